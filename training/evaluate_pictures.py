"""Accuracy on realistic pictures of paper, per condition, for the shipped models.

    python -m training.evaluate_pictures [--models robust plain] [--count 100] [--seed 0]

Digits: pen-drawn ones by the held-out writers (mnist_pad.pendigits.EVAL_WRITERS, brush 12 px)
and MNIST test images, `count` of each per condition, rendered by training.pictures. Each is read
by today's mnist_pad.picture.ink_from_picture and, for comparison, by the version it replaced
(paper = the border's median). Also: how often a blank sheet gives no digit, and how often a
picture of two or three digits is refused.
"""
from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
import torchvision

from mnist_pad import paths, pendigits
from mnist_pad.picture import SeveralDigitsError, ink_from_picture
from mnist_pad.preprocess import EMPTY, to_mnist
from mnist_pad.raster import CANVAS_SIZE, rasterize
from mnist_pad.recognizer import Recognizer

from . import pictures
from .priority import lower_priority

PEN_BRUSH = 12


def border_median_ink(gray: np.ndarray) -> np.ndarray:
    """The reading this evaluation compares against: paper = the border's median (mnist-pad <= 0.x)."""
    gray = gray.astype(np.float32)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    ink = np.clip(background - gray if background > 127 else gray - background, 0, None)
    peak = ink.max()
    if peak < 32:
        return np.zeros(gray.shape, np.uint8)
    ink = ink * (255.0 / peak)
    ink[ink < 0.15 * 255] = 0
    return ink.astype(np.uint8)


def digit_inks(count: int, data_dir: str, pen_file: str, rng: np.random.Generator) -> list[tuple[np.ndarray, int]]:
    """`count` pen-drawn digits of held-out writers and `count` MNIST test digits, as (ink, label)."""
    pens = [d for d in pendigits.load(pen_file) if d.writer in pendigits.EVAL_WRITERS]
    chosen = [pens[i] for i in rng.choice(len(pens), count, replace=False)]
    inks = [(rasterize(d.fitted(CANVAS_SIZE), PEN_BRUSH, CANVAS_SIZE), d.label) for d in chosen]
    mnist = torchvision.datasets.MNIST(data_dir, train=False)
    for i in rng.choice(len(mnist), count, replace=False):
        image, label = mnist.data[i].numpy(), int(mnist.targets[i])
        inks.append((cv2.resize(image, (196, 196), interpolation=cv2.INTER_CUBIC), label))
    return inks


def read(gray: np.ndarray, reader) -> tuple:
    """The 28x28 input for a picture, or the error that refused it."""
    try:
        return to_mnist(reader(gray)), None
    except SeveralDigitsError as error:
        return EMPTY, error


def main(argv: list[str] | None = None) -> int:
    """Print accuracy per picture condition, new reading against the old, for each model."""
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_pictures", description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["robust", "plain"])
    parser.add_argument("--count", type=int, default=100, help="pen digits and MNIST digits, each, per condition")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw")
    parser.add_argument("--pendigits", default=None, help="pendigits-orig.tra (default: DATA_DIR/pendigits/...)")
    parser.add_argument("--low-priority", action="store_true", help="run at a lower CPU priority (it then waits for idle cores)")
    args = parser.parse_args(argv)
    if args.low_priority:
        lower_priority()
    rng = np.random.default_rng(args.seed)
    pen_file = args.pendigits or pendigits.file_in(args.data_dir)
    inks = digit_inks(args.count, args.data_dir, str(pen_file), rng)
    labels = np.array([label for _, label in inks])
    recognizers = [Recognizer.load(name) for name in args.models]
    readers = {"new": ink_from_picture, "old": border_median_ink}
    header = "condition".ljust(20) + "".join(f"{m}/{r}".rjust(14) for m in args.models for r in readers)
    print(f"{len(inks)} digits per condition ({args.count} pen-drawn, {args.count} MNIST test), seed {args.seed}")
    print(header + "   ms/picture (new)")
    totals = {key: [] for key in (f"{m}/{r}" for m in args.models for r in readers)}
    for condition in pictures.CONDITIONS:
        photos = [pictures.picture(ink, condition, rng) for ink, _ in inks]
        row = condition.ljust(20)
        for reader_name, reader in readers.items():
            started = time.perf_counter()
            prepared = [read(photo, reader)[0] for photo in photos]
            if reader_name == "new":
                elapsed = (time.perf_counter() - started) / len(photos) * 1000
            for model_name, recognizer in zip(args.models, recognizers):
                probabilities = recognizer.predict_inputs(prepared)
                correct = (probabilities.argmax(axis=1) == labels) & probabilities.any(axis=1)
                totals[f"{model_name}/{reader_name}"].append(correct.mean())
        row += "".join(f"{totals[key][-1]:14.1%}" for key in totals)
        print(row + f"   {elapsed:8.1f}", flush=True)
    print("all conditions".ljust(20) + "".join(f"{np.mean(values):14.1%}" for values in totals.values()))
    blank = [read(pictures.blank_paper(rng), reader)[0].empty for reader in readers.values() for _ in range(50)]
    print(f"blank paper read as 'no digit': new {np.mean(blank[:50]):.0%}, old {np.mean(blank[50:]):.0%} (50 sheets)")
    refused = []
    for _ in range(50):
        group = [inks[i][0] for i in rng.choice(len(inks), int(rng.integers(2, 4)), replace=False)]
        refused.append(read(pictures.several(group, rng), ink_from_picture)[1] is not None)
    print(f"two or three digits refused as 'several digits': {np.mean(refused):.0%} (50 pictures)")
    single = [read(pictures.picture(ink, "clean", rng), ink_from_picture)[1] is not None for ink, _ in inks]
    print(f"single digits wrongly refused as 'several digits' (clean paper): {np.mean(single):.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
