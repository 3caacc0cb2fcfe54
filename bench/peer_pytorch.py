#!/usr/bin/env python3
"""The benchmark's peer: the same optimization loop as stylize-gpu, in PyTorch.

Same weights (the engine's converted VGG19 file), same preprocessed input tensors (written
by stylize-bench into --raw-dir), same layers, losses (shared/spec/losses.md) and optimizer,
so that the bench can quote time ratios measured in one run on one machine, and check that
both reach the same loss.

Usage: peer_pytorch.py --raw-dir DIR [--iterations K] [--device cpu|cuda] [--tf32 on|off]
                       [--threads N] [--weights FILE] [--json OUT]
DIR holds meta.json, content.f32, init.f32 and style0.f32, style1.f32, … (C×H×W float32,
little-endian, BGR minus the mean). Needs PyTorch: `python3 -m pip install torch`.

On --device cuda (or cuda:N) cuDNN is on (with its autotuner: the warm-up iterations absorb
it), the device is synchronized before the clock starts and after every iteration, and
--tf32 sets both torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
(left alone, PyTorch's defaults hold: off for matmul, on for cuDNN). On the CPU nothing
changes and --tf32 is ignored.
"""
import argparse
import json
import os
import resource
import statistics
import struct
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("peer_pytorch.py needs PyTorch: python3 -m pip install torch", file=sys.stderr)
    sys.exit(3)

LAYER_NAMES = []
for _block, _count in enumerate([2, 2, 4, 4, 4], start=1):
    for _index in range(1, _count + 1):
        LAYER_NAMES += [f"conv{_block}_{_index}", f"relu{_block}_{_index}"]
    LAYER_NAMES.append(f"pool{_block}")


def default_weights():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.environ.get("STYLIZE_GPU_WEIGHTS") or os.path.join(cache, "stylize-gpu", "vgg19-q8.safetensors")


def load_weights(path, device):
    """{conv name: (weight [K,C,3,3], bias [K])} from the engine's safetensors file."""
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    def tensor(name, dtype):
        entry = header[name]
        start, end = entry["data_offsets"]
        return torch.frombuffer(bytearray(data[start:end]), dtype=dtype).reshape(entry["shape"])
    weights = {}
    for name in LAYER_NAMES:
        if name.startswith("conv"):
            index = tensor(f"{name}.weight_index", torch.uint8).long()
            table = tensor(f"{name}.weight_table", torch.float32)
            weights[name] = (table[index].to(device), tensor(f"{name}.bias", torch.float32).to(device))
    return weights


def features(x, weights, wanted, pooling):
    """Activations of the wanted layers, running only as deep as needed."""
    deepest = max(LAYER_NAMES.index(name) for name in wanted)
    out = {}
    for name in LAYER_NAMES[: deepest + 1]:
        if name.startswith("conv"):
            weight, bias = weights[name]
            x = F.conv2d(x, weight, bias, padding=1)
        elif name.startswith("relu"):
            x = F.relu(x)
        else:
            x = F.max_pool2d(x, 2, 2) if pooling == "max" else F.avg_pool2d(x, 2, 2)
        if name in wanted:
            out[name] = x
    return out


def gram(f):
    _, c, h, w = f.shape
    flat = f.reshape(c, h * w)
    return flat @ flat.t() / (c * h * w)


def read_raw(path, shape, device):
    with open(path, "rb") as f:
        values = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    return values.reshape(1, *shape).to(device)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", required=True)
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--tf32", choices=["on", "off"], default=None,
                        help="CUDA only: TF32 in matmuls and cuDNN convolutions (default: PyTorch's)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--weights", default=default_weights())
    parser.add_argument("--warmup", type=int, default=2, help="iterations left out of the median")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            print("peer_pytorch.py: --device cuda but torch.cuda.is_available() is false", file=sys.stderr)
            sys.exit(4)
        if device.index is not None:
            torch.cuda.set_device(device)
        torch.backends.cudnn.enabled = True
        torch.backends.cudnn.benchmark = True
        if args.tf32 is not None:
            torch.backends.cuda.matmul.allow_tf32 = args.tf32 == "on"
            torch.backends.cudnn.allow_tf32 = args.tf32 == "on"

    meta = json.load(open(os.path.join(args.raw_dir, "meta.json")))
    s = meta["settings"]
    height, width = meta["height"], meta["width"]
    iterations = args.iterations if args.iterations is not None else s["iterations"]
    content = read_raw(os.path.join(args.raw_dir, "content.f32"), (3, height, width), device)
    image = read_raw(os.path.join(args.raw_dir, "init.f32"), (3, height, width), device).requires_grad_(True)
    weights = load_weights(args.weights, device)
    content_layers, style_layers = s["contentLayers"], s["styleLayers"]
    layers = content_layers + style_layers
    pooling = s["pooling"]

    with torch.no_grad():
        content_targets = {k: v.detach() for k, v in features(content, weights, content_layers, pooling).items()}
        blend = [style["weight"] for style in meta["styles"]]
        total = sum(blend)
        style_targets = {}
        for index, style in enumerate(meta["styles"]):
            pixels = read_raw(os.path.join(args.raw_dir, f"style{index}.f32"), (3, style["height"], style["width"]), device)
            for name, f in features(pixels, weights, style_layers, pooling).items():
                g = gram(f) * (style["weight"] / total)
                style_targets[name] = style_targets.get(name, 0) + g

    def loss_parts(x):
        f = features(x, weights, layers, pooling)
        content_loss = sum(s["contentWeight"] * torch.mean((f[n] - content_targets[n]) ** 2) for n in content_layers)
        style_loss = sum(s["styleWeight"] * torch.mean((gram(f[n]) - style_targets[n]) ** 2) for n in style_layers)
        dx = x[:, :, :, 1:] - x[:, :, :, :-1]
        dy = x[:, :, 1:, :] - x[:, :, :-1, :]
        tv = s["totalVariationWeight"] * 0.5 * (torch.sum(dx * dx) + torch.sum(dy * dy))
        return content_loss, style_loss, tv

    if s["optimizer"] == "lbfgs":
        optimizer = torch.optim.LBFGS(
            [image], lr=s["learningRate"], max_iter=1, history_size=s["historySize"],
            tolerance_grad=float("-inf"), tolerance_change=float("-inf"), line_search_fn=None)
    else:
        optimizer = torch.optim.Adam([image], lr=s["learningRate"])

    record = []
    def closure():
        optimizer.zero_grad()
        c, st, tv = loss_parts(image)
        total_loss = c + st + tv
        total_loss.backward()
        record.append(tuple(v.item() if torch.is_tensor(v) else float(v) for v in (c, st, tv)))
        return total_loss

    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    durations = []
    for _ in range(iterations):
        start = time.perf_counter()
        optimizer.step(closure)
        if device.type == "cuda":
            torch.cuda.synchronize()
        durations.append(time.perf_counter() - start)
    closure()  # the loss of the result, as the engine reports it
    timed = durations[args.warmup:] or durations
    result = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "device": str(device),
        "threads": torch.get_num_threads(),
        "tf32": ({"matmul": torch.backends.cuda.matmul.allow_tf32, "cudnn": torch.backends.cudnn.allow_tf32}
                 if device.type == "cuda" else None),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "height": height,
        "width": width,
        "iterations": iterations,
        "secondsPerIteration": statistics.median(timed) if timed else 0.0,
        "peakMemoryBytes": (torch.cuda.max_memory_allocated() if device.type == "cuda"
                            else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
        "peakMemoryGrowthBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before,
        "losses": [{"content": c, "style": st, "totalVariation": tv, "loss": c + st + tv} for c, st, tv in record],
    }
    text = json.dumps(result, indent=2)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
