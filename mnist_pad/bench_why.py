"""`python -m mnist_pad.bench_why`: how long the "why" views take per drawing, printed.

The attribution map, the per-stroke effects and the MNIST-likeness measures run in the inference
worker after each shown prediction; to follow the drawing each must cost a few frames at most.
torch runs with one thread, as in the app's worker. `bench_why()` is the section the main
benchmark can call.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .bench import _percentiles, _print, forty_point_drawing, machine

CANVAS = 280
WIDTH = 16.0


def _timed(function, repeats: int) -> dict[str, float]:
    for _ in range(5):
        function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return _percentiles(samples)


def bench_why(model: str | None = None, repeats: int = 200) -> dict[str, float]:
    """p50/p99 of occlusion, stroke effects (3 strokes), likeness measures and Match MNIST; a prediction for scale."""
    import torch

    from . import attribution, morphometry
    from .recognizer import Recognizer

    torch.set_num_threads(1)
    recognizer = Recognizer.load(model)
    curve = forty_point_drawing(CANVAS)[0]
    strokes = [curve[:20], curve[19:], [(90.0, 150.0), (190.0, 150.0)]]
    widths = np.arange(2, 51, 2, dtype=float)

    def occlusion():
        attribution.occlusion(recognizer.prepare_strokes(strokes, WIDTH, CANVAS), recognizer.predict_mnist)

    def likeness():
        morphometry.measure(recognizer.prepare_strokes(strokes, WIDTH, CANVAS).image)

    figures = {}
    for name, function, count in (
            ("predict_strokes", lambda: recognizer.predict_strokes(strokes, WIDTH, CANVAS), repeats),
            ("occlusion", occlusion, repeats),
            ("stroke_effects_3", lambda: attribution.stroke_effects(strokes, WIDTH, CANVAS, recognizer.predict_mnist), repeats),
            ("likeness", likeness, repeats),
            ("match_mnist_25_widths", lambda: morphometry.match_mnist_width(strokes, CANVAS, widths), max(10, repeats // 10))):
        figures.update({f"{name}_{key}": value for key, value in _timed(function, count).items()})
    figures["occlusion_over_predict_p50"] = figures["occlusion_p50_ms"] / figures["predict_strokes_p50_ms"]
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures of bench_why with the machine they come from."""
    parser = argparse.ArgumentParser(prog="python -m mnist_pad.bench_why", description=__doc__)
    parser.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    _print(f"why views ({args.model or 'robust'})", bench_why(args.model, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
