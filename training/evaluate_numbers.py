"""Evaluate reading whole numbers: real pen digits of one writer placed side by side.

    python -m training.evaluate_numbers [--model robust] [--pendigits FILE] [--count 500] [--length 4]

Each number takes `length` pen-drawn digits of one held-out writer (mnist_pad.pendigits.EVAL_WRITERS,
never trained on), scales them to a common height with a little jitter, and places them left to right
with realistic gaps (some digits overlap their neighbour), baseline wobble and, in some numbers, a
decimal point. Every number is read by Recognizer.read_number at each brush width; with --pictures,
also as a picture of it (rendered dark on white) by Recognizer.read_picture_number. With
--non-numbers N, N rows of `length` non-digits (training.nondigits: letters, symbols, scribbles,
crossed-out digits, spirals, blobs) placed the same way are read too: how many read as no number.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mnist_pad import paths, pendigits
from mnist_pad.numbers import UNSURE_MARK
from mnist_pad.raster import CANVAS_SIZE, rasterize
from mnist_pad.recognizer import Recognizer

from . import nondigits
from .evaluate import heldout_pen_digits
from .priority import lower_priority

BRUSH_WIDTHS = (4, 8, 12, 18, 25, 35, 50)
DIGIT_HEIGHT = 200.0   # as on the single-digit canvas: 200 px tall on a 280 px high sheet
MARGIN = 30.0
HEIGHT_JITTER = 0.08   # each digit's height varies by up to this share
GAP = (-0.06, 0.25)    # space between neighbours' extents, in digit heights (negative: they overlap)
WOBBLE = 0.05          # baseline wobble (standard deviation), in digit heights
POINT_SHARE = 0.3      # numbers that get a decimal point


@dataclass(frozen=True)
class NumberSample:
    """A synthetic number drawing: strokes, the canvas they fit, the true text and each stroke's digit."""

    strokes: tuple[np.ndarray, ...]
    canvas_size: tuple[int, int]
    text: str
    digit_strokes: tuple[tuple[int, ...], ...]


def make_number(digits: list[pendigits.PenDigit], rng: np.random.Generator, with_point: bool) -> NumberSample:
    """Place one writer's digits side by side (and a decimal point between two of them when asked)."""
    strokes: list[np.ndarray] = []
    digit_strokes = []
    text = ""
    point_after = int(rng.integers(0, len(digits) - 1)) if with_point else -1
    x = MARGIN
    for position, digit in enumerate(digits):
        points = np.concatenate(digit.strokes)
        low, high = points.min(axis=0), points.max(axis=0)
        height = DIGIT_HEIGHT * (1 + rng.uniform(-HEIGHT_JITTER, HEIGHT_JITTER))
        scale = height / max(high[1] - low[1], 1e-6)
        baseline = MARGIN + DIGIT_HEIGHT + rng.normal(0, WOBBLE) * DIGIT_HEIGHT
        placed = [(s - [low[0], high[1]]) * scale + [x, baseline] for s in digit.strokes]
        digit_strokes.append(tuple(range(len(strokes), len(strokes) + len(placed))))
        strokes += placed
        text += str(digit.label)
        right = x + (high[0] - low[0]) * scale
        x = right + rng.uniform(*GAP) * DIGIT_HEIGHT
        if position == point_after:
            dot = rng.uniform(0.02, 0.05) * DIGIT_HEIGHT
            centre = np.array([right + rng.uniform(0.06, 0.12) * DIGIT_HEIGHT, baseline - dot])
            strokes.append(np.array([centre, centre + [dot * 0.6, dot * 0.3]]))
            text += "."
            x = centre[0] + rng.uniform(0.08, 0.15) * DIGIT_HEIGHT
    width = int(np.ceil(max(p[:, 0].max() for p in strokes) + MARGIN))
    height = int(np.ceil(max(CANVAS_SIZE, max(p[:, 1].max() for p in strokes) + MARGIN / 2)))
    shift = np.array([0.0, min(0.0, min(p[:, 1].min() for p in strokes) - 5)])
    return NumberSample(tuple(p - shift for p in strokes), (width, height), text, tuple(digit_strokes))


def make_numbers(digits: list[pendigits.PenDigit], count: int, length: int, seed: int = 0) -> list[NumberSample]:
    """`count` numbers of `length` digits, each from one writer's own digits."""
    rng = np.random.default_rng(seed)
    by_writer: dict[int, list[pendigits.PenDigit]] = {}
    for digit in digits:
        by_writer.setdefault(digit.writer, []).append(digit)
    writers = sorted(by_writer)
    samples = []
    for _ in range(count):
        own = by_writer[writers[int(rng.integers(len(writers)))]]
        chosen = [own[int(i)] for i in rng.choice(len(own), size=length, replace=False)]
        samples.append(make_number(chosen, rng, rng.random() < POINT_SHARE))
    return samples


def picture_of(sample: NumberSample, width: float) -> np.ndarray:
    """The number as a picture: its strokes rendered at this brush width, dark on white."""
    canvas_width, canvas_height = sample.canvas_size
    return 255 - rasterize(sample.strokes, width, max(sample.canvas_size))[:canvas_height, :canvas_width]


def score(recognizer: Recognizer, samples: list[NumberSample], width: float, pictures: bool = False) -> dict[str, float]:
    """Whole-number, digit-level and grouping accuracy at one brush width (and read from pictures)."""
    numbers = digits = digits_right = grouped = unsure = flagged = from_pictures = picture_flagged = 0
    for sample in samples:
        if pictures:
            from_picture = recognizer.read_picture_number(picture_of(sample, width))
            from_pictures += from_picture.best_guess == sample.text
            picture_flagged += from_picture.not_a_number
        reading = recognizer.read_number(sample.strokes, width, sample.canvas_size)
        numbers += reading.best_guess == sample.text
        truth = sample.text.replace(".", "")
        read = "".join(str(d.digit) for d in reading.digits)
        digits += len(truth)
        if len(read) == len(truth):
            digits_right += sum(a == b for a, b in zip(read, truth))
        grouped += tuple(d.strokes for d in reading.digits) == sample.digit_strokes
        unsure += UNSURE_MARK in reading.text
        flagged += reading.not_a_number
    total = max(1, len(samples))
    figures = {"number_accuracy": numbers / total, "digit_accuracy": digits_right / max(1, digits),
               "grouping_accuracy": grouped / total, "marked_unsure": unsure / total, "read_as_no_number": flagged / total}
    if pictures:
        figures["picture_number_accuracy"] = from_pictures / total
        figures["picture_read_as_no_number"] = picture_flagged / total
    return figures


def make_non_numbers(pen_digits: list[pendigits.PenDigit], count: int, length: int, seed: int = 0) -> list[NumberSample]:
    """`count` rows of `length` non-digits (the detector's evaluation drawings), placed like a number's digits."""
    marks = nondigits.generate(count * length, nondigits.EVAL_SEED, pen_digits)
    rng = np.random.default_rng(seed)
    rows = [[pendigits.PenDigit(label=-1, writer=0, strokes=tuple(np.asarray(s, float) for s in strokes))
             for _, strokes in marks[start:start + length]] for start in range(0, len(marks), length)]
    return [make_number(row, rng, with_point=False) for row in rows]


def evaluate(recognizer: Recognizer, samples: list[NumberSample], widths=BRUSH_WIDTHS,
             pictures: bool = False) -> dict[float, dict[str, float]]:
    """The scores at each brush width."""
    return {float(width): score(recognizer, samples, float(width), pictures) for width in widths}


def format_table(name: str, samples: list[NumberSample], results: dict[float, dict[str, float]]) -> str:
    """The results as a plain-text table, one column per brush width."""
    writers = ",".join(str(w) for w in sorted(pendigits.EVAL_WRITERS))
    with_point = sum("." in s.text for s in samples)
    lines = [f"model: {name}",
             f"  {len(samples)} numbers of {len(samples[0].digit_strokes)} pen-drawn digits each "
             f"(held-out writers {writers}; {with_point} with a decimal point), digits ~{DIGIT_HEIGHT:.0f} px tall",
             "    brush width     " + "  ".join(f"{w:>7g}" for w in results)]
    for key, label in (("number_accuracy", "whole number"), ("digit_accuracy", "digits"),
                       ("grouping_accuracy", "grouping"), ("marked_unsure", "marked '?'"),
                       ("read_as_no_number", "no number"),
                       ("picture_number_accuracy", "as a picture"), ("picture_read_as_no_number", "picture: none")):
        if all(key in r for r in results.values()):
            lines.append(f"    {label:15} " + "  ".join(f"{r[key]:7.2%}" for r in results.values()))
    return "\n".join(lines)



def main(argv: list[str] | None = None) -> int:
    """Evaluate reading numbers with one model and print a table (or JSON)."""
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_numbers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=paths.DEFAULT_MODEL, help="robust, plain, or a checkpoint file")
    parser.add_argument("--pendigits", default=str(pendigits.file_in(paths.mnist_cache_dir())),
                        help="pendigits-orig.tra (held-out writers only are used)")
    parser.add_argument("--count", type=int, default=500, help="numbers to build (default 500)")
    parser.add_argument("--length", type=int, default=4, help="digits per number (default 4)")
    parser.add_argument("--widths", default=",".join(map(str, BRUSH_WIDTHS)), help="brush widths, comma-separated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pictures", action="store_true",
                        help="also read each number from a picture of it (whole numbers right)")
    parser.add_argument("--non-numbers", type=int, default=0, metavar="N",
                        help="also read N rows of --length non-digits: how many read as no number")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--low-priority", action="store_true", help="run at a lower CPU priority")
    args = parser.parse_args(argv)
    if args.low_priority:
        lower_priority()
    if args.length < 2 or args.count < 1 or args.non_numbers < 0:
        parser.error("--length must be at least 2, --count at least 1 and --non-numbers at least 0")
    try:
        widths = [float(w) for w in args.widths.split(",")]
        recognizer = Recognizer.load(args.model)
        samples = make_numbers(heldout_pen_digits(args.pendigits), args.count, args.length, args.seed)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    results = evaluate(recognizer, samples, widths, args.pictures)
    keys = ["read_as_no_number"] + (["picture_read_as_no_number"] if args.pictures else [])
    non_numbers = {}
    if args.non_numbers:
        rows = make_non_numbers(heldout_pen_digits(args.pendigits), args.non_numbers, args.length, args.seed)
        non_numbers = {w: {k: r[k] for k in keys} for w, r in evaluate(recognizer, rows, widths, args.pictures).items()}
    if args.json:
        print(json.dumps({"model": recognizer.name, "source": recognizer.source, "count": len(samples),
                          "length": args.length, "results": {str(w): r for w, r in results.items()},
                          **({"non_numbers": {str(w): r for w, r in non_numbers.items()}} if non_numbers else {})}))
    else:
        print(format_table(f"{recognizer.name} ({Path(recognizer.source).name})", samples, results))
        if non_numbers:
            print(f"  {args.non_numbers} rows of {args.length} non-digits (training.nondigits), read as no number:")
            for key, label in zip(keys, ("from strokes", "from a picture")):
                print(f"    {label:15} " + "  ".join(f"{r[key]:7.2%}" for r in non_numbers.values()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
