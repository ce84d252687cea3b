"""PyTorch figures for `make bench`, measured in their own process so the app's figures never carry torch.

    python -m training.bench_reference --model robust|plain|CHECKPOINT --strokes JSON [--serve]

Prints one JSON object: the seed tutorials' pipeline (their `tutorial` ConvNet in torch, one thread,
the whole 280 px canvas resized to 28x28) per prediction, the same model's torch forward at batch 1
and 16, and what importing torch and loading the checkpoint costs in time and memory.
With --serve it then times the tutorials' pipeline again for each line read (a repeat count),
printing its p50 in ms: the benchmark alternates that with its own rounds, so both sides of a
ratio are measured in the same minute of a machine whose speed drifts.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time

T0 = time.perf_counter()
import cv2  # noqa: E402 - after T0: the import time is one of the figures
import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_pad import checkpoint, model as models, paths  # noqa: E402
from mnist_pad.raster import CANVAS_SIZE, rasterize  # noqa: E402


def p50_ms(call, repeats: int) -> float:
    """Median wall time of `call` in milliseconds, after a warm-up."""
    for _ in range(max(5, repeats // 20)):
        call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return float(np.median(samples) * 1e3)


def tutorial_pipeline(strokes):
    """One prediction by the seed tutorials' pipeline, as a call: rasterize, whole canvas to 28x28, their ConvNet in torch."""
    try:
        net = checkpoint.load(paths.shipped_model("plain")).model  # the tutorial arch, trained
    except checkpoint.CheckpointError:
        net = models.build("tutorial").eval()  # same cost untrained

    def predict():
        image = cv2.resize(rasterize(strokes, 12.0, CANVAS_SIZE), (28, 28), interpolation=cv2.INTER_AREA)
        with torch.inference_mode():
            return torch.softmax(net(torch.from_numpy(image).float()[None, None] / 255), dim=1).numpy()

    return predict


def main(argv: list[str] | None = None) -> int:
    """Print the torch-side figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m training.bench_reference", description=__doc__)
    parser.add_argument("--model", default=paths.DEFAULT_MODEL)
    parser.add_argument("--repeats", type=int, default=1000)
    parser.add_argument("--strokes", required=True, help="the benchmark drawing as JSON")
    parser.add_argument("--serve", action="store_true", help="then time the pipeline again for each repeat count read")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    path = paths.shipped_model(args.model) if args.model in paths.SHIPPED_MODELS else args.model
    net = checkpoint.load(path).model
    import_and_load_s = time.perf_counter() - T0
    strokes = json.loads(args.strokes)
    figures = {"torch_version": torch.__version__, "torch_import_and_load_s": import_and_load_s}
    for batch in (1, 16):
        images = torch.rand(batch, 1, 28, 28)
        with torch.inference_mode():
            figures[f"torch_forward_batch{batch}_p50_ms"] = p50_ms(lambda: net(images), args.repeats)
    tutorial = tutorial_pipeline(strokes)
    figures["tutorial_pipeline_p50_ms"] = p50_ms(tutorial, args.repeats)
    figures["torch_process_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures), flush=True)
    if args.serve:
        for line in sys.stdin:
            print(f"{p50_ms(tutorial, int(line)):.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
