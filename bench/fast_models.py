#!/usr/bin/env python3
"""The fast-models bench's Python half: inputs and PyTorch references, the peers, the table.

  fast_models.py prepare --dir D --model M [--sizes 256 512 1024] [--batches 1 4]
      D/input-S-B.f32 (B photos, B×3×S×S RGB 0-255), D/torch-S-B.f32 (PyTorch's output, the
      reference stylize-bench checks against before it times anything) for every size at batch 1
      and the smallest size at every batch, D/photos/ and D/style.png (256², so that neither side
      resizes it) for the training step, D/model.onnx (exported once, for ONNX Runtime and OpenVINO).
  fast_models.py peer --dir D --model M [...] [--repeats 3] [--threads N] --json OUT
      PyTorch CPU apply at every size × batch (inference mode, same weights, same inputs); ONNX
      Runtime and OpenVINO at 512² × 1, each checked against PyTorch first; the training step on
      the batches stylize-bench's trainer used (D/train-batch-K.f32), its losses checked against ours.
  fast_models.py report --ours O --peer P --json OUT [--load TEXT]
      The table (ms per image, ratios ours ÷ peer) and the JSON of both.

Needs numpy and pillow; the peers need `python3 -m pip install torch safetensors onnx onnxruntime
openvino` and each one missing is skipped with a line saying so.
"""
import argparse
import glob
import importlib.util
import json
import os
import shutil
import statistics
import sys
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
BGR_MEAN = (103.939, 116.779, 123.68)
ONNX_SIZE, ONNX_BATCH = 512, 1


def have(module):
    return importlib.util.find_spec(module) is not None


def square(path, side):
    image = Image.open(path).convert("RGB")
    short = min(image.size)
    left, top = (image.width - short) // 2, (image.height - short) // 2
    return image.crop((left, top, left + short, top + short)).resize((side, side), Image.LANCZOS)


def write_f32(path, array):
    np.ascontiguousarray(array, dtype=np.float32).tofile(path)


def read_f32(path, shape):
    return np.fromfile(path, dtype=np.float32).reshape(shape)


def check_configs(sizes, batches):
    """Every size at batch 1, and the smallest size at every batch (the batched path)."""
    return sorted({(s, 1) for s in sizes} | {(min(sizes), b) for b in batches})


def torch_net(model_path):
    """pytorch/examples' TransformerNet (scripts/make-fast-fixtures' copy) with the model's weights."""
    import torch
    from safetensors.torch import load_file
    spec = importlib.util.spec_from_loader("make_fast_fixtures", loader=None)
    fixtures = importlib.util.module_from_spec(spec)
    fixtures.__file__ = os.path.join(HERE, "..", "scripts", "make-fast-fixtures")
    exec(open(os.path.join(HERE, "..", "scripts", "make-fast-fixtures")).read(), fixtures.__dict__)
    net = fixtures.TransformerNet()
    net.load_state_dict({k: v.float() for k, v in load_file(model_path).items()}, strict=True)
    return net.eval()


def prepare(args):
    os.makedirs(args.dir, exist_ok=True)
    samples = os.path.join(HERE, "..", "samples")
    photos = [os.path.join(samples, n) for n in ("astronaut.png", "chelsea.png", "hubble.png")]
    # The ONNX peers' input always, whatever sizes ours and PyTorch run at.
    for size in sorted(set(args.sizes) | {ONNX_SIZE}):
        frames = [np.asarray(square(p, size), dtype=np.float32).transpose(2, 0, 1) for p in photos]
        # Batch 1 too: check_configs checks every size there.
        for batch in sorted(set(args.batches) | {1} | ({ONNX_BATCH} if size == ONNX_SIZE else set())):
            write_f32(os.path.join(args.dir, f"input-{size}-{batch}.f32"),
                      np.stack([frames[i % len(frames)] for i in range(batch)]))
    os.makedirs(os.path.join(args.dir, "photos"), exist_ok=True)
    for p in photos:
        shutil.copy(p, os.path.join(args.dir, "photos"))
    square(os.path.join(samples, "ihc.png"), 256).save(os.path.join(args.dir, "style.png"))
    if not (have("torch") and have("safetensors")):
        print("PyTorch references skipped: python3 -m pip install torch safetensors")
        return
    import torch
    torch.set_num_threads(args.threads)
    net = torch_net(args.model)
    with torch.inference_mode():
        for size, batch in sorted(set(check_configs(args.sizes, args.batches)) | {(ONNX_SIZE, ONNX_BATCH)}):
            x = torch.from_numpy(read_f32(os.path.join(args.dir, f"input-{size}-{batch}.f32"), (batch, 3, size, size)))
            write_f32(os.path.join(args.dir, f"torch-{size}-{batch}.f32"), net(x).numpy())
    if have("onnx"):
        x = torch.zeros(ONNX_BATCH, 3, ONNX_SIZE, ONNX_SIZE)
        # The TorchScript exporter: the dynamo one needs onnxscript as well. Its deprecation and
        # constant-folding notes are not the bench's business.
        import warnings
        warnings.simplefilter("ignore")
        torch.onnx.export(net, x, os.path.join(args.dir, "model.onnx"), opset_version=17, dynamo=False,
                          input_names=["image"], output_names=["styled"])
    else:
        print("ONNX export skipped: python3 -m pip install onnx")


def median_seconds(body, repeats):
    body()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def agreement(ours, reference):
    a = np.clip(ours, 0, 255).round()
    b = np.clip(reference, 0, 255).round()
    return {"maxAbsDifference": float(np.abs(ours - reference).max()),
            "withinOneLevel": float((np.abs(a - b) <= 1).mean()), "equalLevels": float((a == b).mean())}


def peer(args):
    result = {"threads": args.threads, "apply": [], "runtimes": [], "train": None, "skipped": []}
    if not (have("torch") and have("safetensors")):
        line = "PyTorch peer skipped: python3 -m pip install torch safetensors"
        print(line)
        result["skipped"].append(line)
        json.dump(result, open(args.json, "w"), indent=2)
        return
    import torch
    torch.set_num_threads(args.threads)
    result["torch"] = torch.__version__
    net = torch_net(args.model)

    def load_input(size, batch):
        return read_f32(os.path.join(args.dir, f"input-{size}-{batch}.f32"), (batch, 3, size, size))

    with torch.inference_mode():
        for size in args.sizes:
            for batch in args.batches:
                x = torch.from_numpy(load_input(size, batch))
                seconds = median_seconds(lambda: net(x), args.repeats)
                print(f"PyTorch {size:4d}² ×{batch}: {1000 * seconds / batch:.1f} ms/image")
                result["apply"].append({"size": size, "batch": batch, "secondsPerImage": seconds / batch})

    onnx_path = os.path.join(args.dir, "model.onnx")
    reference_path = os.path.join(args.dir, f"torch-{ONNX_SIZE}-{ONNX_BATCH}.f32")
    x = load_input(ONNX_SIZE, ONNX_BATCH)
    runners = []
    if not os.path.exists(onnx_path) or not os.path.exists(reference_path):
        result["skipped"].append("ONNX Runtime and OpenVINO: no model.onnx or reference")
    else:
        if have("onnxruntime"):
            import onnxruntime as ort
            options = ort.SessionOptions()
            options.intra_op_num_threads = args.threads
            options.inter_op_num_threads = 1
            session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
            runners.append((f"ONNX Runtime {ort.__version__}", lambda: session.run(None, {"image": x})[0]))
        else:
            result["skipped"].append("ONNX Runtime skipped: python3 -m pip install onnxruntime")
        if have("openvino"):
            import openvino as ov
            # f32 so that it computes what the others do (on CPUs with bf16 it would pick bf16).
            compiled = ov.Core().compile_model(onnx_path, "CPU", {
                "INFERENCE_NUM_THREADS": args.threads, "INFERENCE_PRECISION_HINT": "f32",
                "PERFORMANCE_HINT": "LATENCY"})
            request = compiled.create_infer_request()
            runners.append((f"OpenVINO {ov.__version__.split('-')[0]}",
                            lambda: request.infer({0: x})[compiled.output(0)].copy()))
        else:
            result["skipped"].append("OpenVINO skipped: python3 -m pip install openvino")
    reference = read_f32(reference_path, (ONNX_BATCH, 3, ONNX_SIZE, ONNX_SIZE)) if runners else None
    for name, run in runners:
        check = agreement(run(), reference)
        print(f"check {name} {ONNX_SIZE}² ×{ONNX_BATCH} vs PyTorch: max |Δ| {check['maxAbsDifference']:.3g}, "
              f"within one 8-bit level {100 * check['withinOneLevel']:.4f}%")
        row = {"name": name, "size": ONNX_SIZE, "batch": ONNX_BATCH, "check": check}
        if check["withinOneLevel"] < 0.999:
            print(f"{name} disagrees with PyTorch: not timed")
        else:
            seconds = median_seconds(run, args.repeats)
            row["secondsPerImage"] = seconds / ONNX_BATCH
            print(f"{name} {ONNX_SIZE}² ×{ONNX_BATCH}: {1000 * seconds / ONNX_BATCH:.1f} ms/image")
        result["runtimes"].append(row)
    for line in result["skipped"]:
        print(line)

    ours = json.load(open(args.ours)) if args.ours and os.path.exists(args.ours) else {}
    if ours.get("train") and os.path.exists(os.path.join(args.dir, "train-batch-0.f32")):
        result["train"] = train(args, net, ours["train"])
    json.dump(result, open(args.json, "w"), indent=2)


def train(args, net, ours):
    """The trainer's steps in PyTorch on the same batches from the same weights: TransformerNet,
    VGG19 (the engine's weights, peer_pytorch.py's loader) at relu2_2 for content and relu1_1…5_1
    for style against ihc's Grams, TV (the weights ours ran with), each image's loss averaged over
    the batch, Adam(1e-3)."""
    import torch
    sys.path.insert(0, HERE)
    import peer_pytorch as vgg
    size, batch, steps = ours["size"], ours["batch"], len(ours["losses"])
    content_layers, style_layers = ["relu2_2"], ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    content_weight, style_weight, tv_weight = ours["contentWeight"], ours["styleWeight"], ours["totalVariationWeight"]
    weights = vgg.load_weights(vgg.default_weights(), torch.device("cpu"))
    mean = torch.tensor(BGR_MEAN).view(1, 3, 1, 1)

    def to_vgg(rgb):
        return rgb.flip(1) - mean

    def grams(f):
        n, c, h, w = f.shape
        flat = f.reshape(n, c, h * w)
        return flat @ flat.transpose(1, 2) / (c * h * w)

    style = torch.from_numpy(np.asarray(Image.open(os.path.join(args.dir, "style.png")).convert("RGB"),
                                        dtype=np.float32).transpose(2, 0, 1).copy()).unsqueeze(0)
    with torch.no_grad():
        targets = {k: grams(v) for k, v in vgg.features(to_vgg(style), weights, style_layers, "max").items()}
    net.train()
    for p in net.parameters():
        p.requires_grad_(True)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(x):
        optimizer.zero_grad()
        with torch.no_grad():
            content = vgg.features(to_vgg(x), weights, content_layers, "max")
        y = to_vgg(net(x))
        f = vgg.features(y, weights, content_layers + style_layers, "max")
        loss = sum(content_weight * torch.mean((f[n] - content[n]) ** 2) for n in content_layers)
        loss = loss + sum(style_weight * torch.mean((grams(f[n]) - targets[n]) ** 2) for n in style_layers)
        dx = y[:, :, :, 1:] - y[:, :, :, :-1]
        dy = y[:, :, 1:, :] - y[:, :, :-1, :]
        loss = loss + tv_weight * 0.5 * (torch.sum(dx * dx) + torch.sum(dy * dy)) / batch
        loss.backward()
        optimizer.step()
        return loss.item()

    losses, durations = [], []
    for k in range(steps):
        x = torch.from_numpy(read_f32(os.path.join(args.dir, f"train-batch-{k}.f32"), (batch, 3, size, size)))
        start = time.perf_counter()
        losses.append(step(x))
        durations.append(time.perf_counter() - start)
    relative = [abs(a - b) / abs(b) for a, b in zip(ours["losses"], losses)]
    # Step 1 checks forward and loss; the later ones the backward and Adam as well.
    agrees = relative[0] < 1e-3 and max(relative) < 1e-2
    print("check training: losses ours " + " ".join(f"{v:.6g}" for v in ours["losses"])
          + ", PyTorch " + " ".join(f"{v:.6g}" for v in losses)
          + f" (largest relative difference {max(relative):.2e})" + ("" if agrees else ": DISAGREE, not reported"))
    seconds = statistics.median(durations[1:]) if len(durations) > 1 else durations[0]
    print(f"PyTorch training step {size}² ×{batch}: {seconds:.3f} s/step (steps "
          + " ".join(f"{d:.2f}" for d in durations) + ")")
    return {"size": size, "batch": batch, "secondsPerStep": seconds, "stepSeconds": durations, "losses": losses,
            "largestRelativeLossDifference": max(relative), "agrees": agrees}


def report(args):
    ours = json.load(open(args.ours))
    peer = json.load(open(args.peer)) if os.path.exists(args.peer) else {"apply": [], "runtimes": []}
    torch_times = {(r["size"], r["batch"]): r["secondsPerImage"] for r in peer["apply"]}
    mine = {(r["size"], r["batch"], r["precision"]): r for r in ours["apply"]}
    keys = sorted({(r["size"], r["batch"]) for r in ours["apply"]})
    precisions = [p for p in ("fp32", "fp16") if any(k[2] == p for k in mine)]

    def ms(v):
        return f"{1000 * v:.1f}" if v is not None else "–"

    def ratio(a, b):
        return f"{a / b:.2f}" if a is not None and b else "–"

    header = ["size", "batch"] + [f"ours {p} ms/img" for p in precisions] + ["PyTorch ms/img"]
    header += [f"{p} ÷ PyTorch" for p in precisions] + [f"{p} peak MiB" for p in precisions]
    rows = []
    for size, batch in keys:
        t = torch_times.get((size, batch))
        ours_s = [mine.get((size, batch, p), {}).get("secondsPerImage") for p in precisions]
        rows.append([f"{size}²", str(batch)] + [ms(v) for v in ours_s] + [ms(t)]
                    + [ratio(v, t) for v in ours_s]
                    + [str(mine[(size, batch, p)]["peakDeviceBytes"] >> 20) if (size, batch, p) in mine else "–"
                       for p in precisions])
    print_table(header, rows)
    summary = {}
    if peer["runtimes"]:
        print()
        fp32 = mine.get((ONNX_SIZE, ONNX_BATCH, "fp32"), {}).get("secondsPerImage")
        fp16 = mine.get((ONNX_SIZE, ONNX_BATCH, "fp16"), {}).get("secondsPerImage")
        rows = [[r["name"], ms(r.get("secondsPerImage")), ratio(fp32, r.get("secondsPerImage")),
                 ratio(fp16, r.get("secondsPerImage"))] for r in peer["runtimes"]]
        print_table([f"peer at {ONNX_SIZE}² ×{ONNX_BATCH}", "ms/img", "ours fp32 ÷ peer", "ours fp16 ÷ peer"], rows)
    if ours.get("train"):
        print()
        o, p = ours["train"], peer.get("train")
        agrees = p is not None and p["agrees"]
        print_table(["training step", "ours s/step", "PyTorch s/step", "ours ÷ PyTorch", "ours peak MiB", "loss check"],
                    [[f"{o['size']}² ×{o['batch']}", f"{o['secondsPerStep']:.3f}",
                      f"{p['secondsPerStep']:.3f}" if p else "–",
                      ratio(o["secondsPerStep"], p["secondsPerStep"]) if agrees else "–",
                      str(o["peakDeviceBytes"] >> 20),
                      (f"agree ({p['largestRelativeLossDifference']:.1e})" if agrees else "DISAGREE") if p else "–"]])
        if agrees:
            summary["trainingRatio"] = o["secondsPerStep"] / p["secondsPerStep"]
    t512 = torch_times.get((512, 1))
    if t512 and (512, 1, "fp32") in mine:
        summary["apply512Fp32Ratio"] = mine[(512, 1, "fp32")]["secondsPerImage"] / t512
    print()
    for key, target, what in (("apply512Fp32Ratio", 0.6, "apply at 512² ×1 (fp32)"),
                              ("trainingRatio", 0.8, "training step at 256² ×4")):
        if key in summary:
            verdict = "met" if summary[key] <= target else "NOT met"
            print(f"target {what}: ours ÷ PyTorch {summary[key]:.2f} (≤ {target}): {verdict}")
    if args.load:
        print(f"load: {args.load}")
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    json.dump({"ours": ours, "peer": peer, "summary": summary, "load": args.load,
               "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, open(args.json, "w"), indent=2)
    print(f"wrote {args.json}")


def print_table(header, rows):
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    for line in [header, ["-" * w for w in widths]] + rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(line, widths)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("prepare", "peer"):
        p = sub.add_parser(name)
        p.add_argument("--dir", required=True)
        p.add_argument("--model", required=True)
        p.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
        p.add_argument("--batches", type=int, nargs="+", default=[1, 4])
        p.add_argument("--threads", type=int, default=os.cpu_count())
        p.add_argument("--repeats", type=int, default=3)
        p.add_argument("--ours", help="stylize-bench's JSON (its training losses)")
        p.add_argument("--json")
    r = sub.add_parser("report")
    r.add_argument("--ours", required=True)
    r.add_argument("--peer", required=True)
    r.add_argument("--json", required=True)
    r.add_argument("--load", default=None)
    args = parser.parse_args()
    {"prepare": prepare, "peer": peer, "report": report}[args.command](args)


if __name__ == "__main__":
    main()
