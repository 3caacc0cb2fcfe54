#!/usr/bin/env python3
"""The weights of the fast-model test fixtures, made from a seed alone (numpy only).

The tests make the very same files in Swift (Tests/TestSupport/FastFixtureModels.swift), so no
model file is committed: only PyTorch's outputs for them (scripts/make-fast-fixtures).

Every tensor of pytorch/examples' TransformerNet gets values from its own stream: SplitMix64
counters from SEED xor the FNV-1a hash of its state-dict name, value i the mix of
base + (i + 1)·γ, u = (value >> 11)·2⁻⁵³. Computed in float64, rounded once to float32:
  conv weight  (2u − 1)·b, b = 1/√fan-in (PyTorch's default bound), deconv3's times DECONV3_GAIN
  conv bias    (2u − 1)·b with the weight's b, deconv3's plus DECONV3_SHIFT
  norm weight  0.5 + u          norm bias  (2u − 1)·0.5
A conditional model's norms are [styles, C], the convolutions the plain model's.

Usage: scripts/fast_fixture_weights.py OUT.safetensors [--styles N]   (N > 1: conditional, F16)
"""
import json
import os
import struct
import sys

import numpy as np

SEED = 20261207
STYLES = 4
# The last layer's output spans 0..255 with a few values clamped (chosen once with PyTorch).
DECONV3_GAIN = 140.0
DECONV3_SHIFT = 132.0
MASK = (1 << 64) - 1


def layout(styles=None):
    """(name, shape) of every tensor, in the state dict's order."""
    convs = [("conv1", 3, 32, 9), ("conv2", 32, 64, 3), ("conv3", 64, 128, 3)]
    tensors = []

    def conv(name, cin, cout, k):
        tensors.extend([(f"{name}.conv2d.weight", [cout, cin, k, k]), (f"{name}.conv2d.bias", [cout])])

    def norm(name, c):
        shape = [c] if styles is None else [styles, c]
        tensors.extend([(f"{name}.weight", shape), (f"{name}.bias", shape)])

    for (name, cin, cout, k), n in zip(convs, ["in1", "in2", "in3"]):
        conv(name, cin, cout, k)
        norm(n, cout)
    for block in range(1, 6):
        conv(f"res{block}.conv1", 128, 128, 3)
        norm(f"res{block}.in1", 128)
        conv(f"res{block}.conv2", 128, 128, 3)
        norm(f"res{block}.in2", 128)
    conv("deconv1", 128, 64, 3)
    norm("in4", 64)
    conv("deconv2", 64, 32, 3)
    norm("in5", 32)
    conv("deconv3", 32, 3, 9)
    return tensors


def fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode():
        h = ((h ^ byte) * 0x100000001B3) & MASK
    return h


def uniform(name, count):
    base = np.uint64((SEED ^ fnv1a(name)) & MASK)
    i = np.arange(1, count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = base + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def values(name, shape, fan_ins):
    u = uniform(name, int(np.prod(shape)))
    if name.endswith(".conv2d.weight") or name.endswith(".conv2d.bias"):
        bound = 1.0 / np.sqrt(float(fan_ins[name.rsplit(".", 1)[0]]))
        v = (2.0 * u - 1.0) * bound
        if name == "deconv3.conv2d.weight":
            v = v * DECONV3_GAIN
        if name == "deconv3.conv2d.bias":
            v = v + DECONV3_SHIFT
    elif name.endswith(".weight"):
        v = 0.5 + u
    else:
        v = (2.0 * u - 1.0) * 0.5
    return v.astype(np.float32).reshape(shape)


def tensors(styles=None):
    shapes = layout(styles)
    fan_ins = {n.rsplit(".", 1)[0]: s[1] * s[2] * s[3] for n, s in shapes if n.endswith(".conv2d.weight")}
    return {name: values(name, shape, fan_ins) for name, shape in shapes}


def write(path, arrays, metadata=None):
    """safetensors by hand: 8-byte header length, JSON header, raw little-endian data."""
    header, offset, blobs = {}, 0, []
    for name, array in arrays.items():
        data = np.ascontiguousarray(array).tobytes()
        dtype = {np.float32: "F32", np.float16: "F16"}[array.dtype.type]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    temporary = path + ".tmp"
    with open(temporary, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(temporary, path)


def style_names(styles):
    return [f"random style {s}" for s in range(styles)]


def write_model(path, styles=None):
    arrays = tensors(styles)
    if styles is None:
        write(path, arrays)
    else:
        write(path, {k: v.astype(np.float16) for k, v in arrays.items()}, {"styles": json.dumps(style_names(styles))})


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    count = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--styles" else 1
    write_model(sys.argv[1], count if count > 1 else None)
