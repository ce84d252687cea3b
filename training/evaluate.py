"""Evaluate a model: MNIST test, MNIST thinned/thickened, and pen-drawn digits through the Recognizer.

    python -m training.evaluate --model robust|plain|PATH [--data-dir DIR] [--pendigits FILE] [--json]
    python -m training.evaluate --model robust --cross-validate     (writer-level cross-validation)

Pen-drawn digits are those of the writers in mnist_pad.pendigits.EVAL_WRITERS only, which no
training recipe here ever sees, rendered at each brush width on a 280 px canvas (digits ~200 px tall).
The model-independent inputs (pen digits rendered at each width, MNIST thinned and thickened) come
from the training cache (training/cache.py), so a second model or a second run is inference only.
With --json, progress lines {"event": "progress", "fraction", "eta_s", "stage"} come before the result.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch

from mnist_pad import checkpoint, corrections, engine, figures as keys, paths, pendigits
from mnist_pad.raster import CANVAS_SIZE, rasterize
from mnist_pad.preprocess import PREPROCESS_VERSION
from mnist_pad.recognizer import Recognizer

from . import augment, cache, cross_validate, data, export
from .priority import lower_priority

BRUSH_WIDTHS = (4, 8, 12, 18, 25, 35, 50)
# augment.morph kernels and the stroke-width change each makes at 28x28, in pixels (about).
THICKNESS_LEVELS = {-5: -2, -3: -1, 3: +1, 5: +2, 9: +4}
MIN_DRAWINGS = 10  # fewer of the user's own drawings say little about accuracy
MORPH_VERSION = 1  # bump when augment.morph or refit change what the thinned/thickened test sets hold
# Rough cost of each step, in units of one MNIST test pass: only the shares matter (progress fraction).
STEP_COST = {"mnist": 1.0, "morph": 2.0, "pen": 0.5, "drawings": 0.2}
Progress = Callable[[float, str], None]  # fraction done (0..1), what is being done


def _no_progress(fraction: float, stage: str) -> None:
    """Progress goes nowhere (the default)."""


def mnist_accuracy(recognizer: Recognizer, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy on uint8 images (N, 28, 28) already in MNIST form."""
    correct = 0
    for start in range(0, len(images), 2000):
        chunk = images[start:start + 2000].numpy()
        correct += int((recognizer.predict_mnist(chunk).argmax(axis=1) == labels[start:start + 2000].numpy()).sum())
    return correct / max(1, len(images))


def thickness_variant(images: torch.Tensor, kernel: int) -> torch.Tensor:
    """MNIST images thinned (kernel < 0) or thickened, then re-fitted like to_mnist, as uint8."""
    batch = images.float()[:, None] / 255
    changed = augment.refit(augment.morph(batch, kernel))
    return (changed[:, 0] * 255 + 0.5).clamp(0, 255).to(torch.uint8)


def cached_thickness_variant(images: torch.Tensor, kernel: int) -> torch.Tensor:
    """thickness_variant of the whole MNIST test set, from the training cache when it holds it."""
    key = {"mnist": "t10k", "sha256": {k: v for k, v in data.RAW_SHA256.items() if k.startswith("t10k")},
           "kernel": kernel, "morph_version": MORPH_VERSION, "preprocess_version": PREPROCESS_VERSION}
    arrays = cache.cached(f"mnist-t10k-morph{kernel:+d}", key, lambda: {"images": thickness_variant(images, kernel).numpy()})
    return torch.from_numpy(arrays["images"])


def pen_render_accuracies(recognizer: Recognizer, renders: np.ndarray, labels: np.ndarray, widths=BRUSH_WIDTHS,
                          progress: Callable[[int], None] = lambda done: None) -> dict[float, float]:
    """Accuracy per brush width from pen digits already rendered (len(widths), N, 28, 28), as the app renders them."""
    result = {}
    for index, width in enumerate(widths):
        result[width] = float((recognizer.predict_mnist(renders[index]).argmax(axis=1) == labels).mean())
        progress(index + 1)
    return result


def pen_accuracies(recognizer: Recognizer, digits: list[pendigits.PenDigit], widths=BRUSH_WIDTHS,
                   tutorial_pipeline: bool = False) -> dict[float, float]:
    """Accuracy per brush width on pen-drawn digits rendered through the Recognizer.

    With `tutorial_pipeline`, for comparison only, the seed tutorials' input instead: the whole
    canvas shrunk to 28x28 (no crop, no centring, no ink stretch). The app never feeds the model so.
    """
    drawings = [d.fitted(CANVAS_SIZE) for d in digits]
    labels = np.array([d.label for d in digits])
    result = {}
    for width in widths:
        if tutorial_pipeline:
            images = np.stack([cv2.resize(rasterize(strokes, float(width), CANVAS_SIZE), (28, 28), interpolation=cv2.INTER_AREA)
                               for strokes in drawings])
            probabilities = recognizer.predict_mnist(images)
        else:
            probabilities = recognizer.predict_strokes_batch(drawings, brush_width=float(width), canvas_size=CANVAS_SIZE)
        result[width] = float((probabilities.argmax(axis=1) == labels).mean())
    return result


def drawing_accuracies(recognizer: Recognizer, records: list[corrections.Correction],
                       widths=BRUSH_WIDTHS) -> dict[float, float]:
    """Accuracy per brush width on the user's corrected drawings, each re-rendered at every width."""
    labels = np.array([r.label for r in records])
    result = {}
    for width in widths:
        predicted = np.array([recognizer.predict_strokes(r.strokes, float(width), r.canvas_size).argmax() for r in records])
        result[width] = float((predicted == labels).mean())
    return result


def heldout_pen_digits(path: os.PathLike | str, limit: int | None = None) -> list[pendigits.PenDigit]:
    """The pen-drawn digits of the evaluation writers (never trained on)."""
    digits = [d for d in pendigits.load(path) if d.writer in pendigits.EVAL_WRITERS]
    return digits[:limit] if limit else digits


def pen_figures(per_width: dict[float, float], count: int, writers: frozenset[int] = pendigits.EVAL_WRITERS) -> dict:
    """The pen-digit figures (per width, mean, worst, spread, which set) from accuracies per width."""
    figures: dict = {keys.width_key(keys.PEN, width): accuracy for width, accuracy in per_width.items()}
    figures[keys.PEN_MEAN] = float(np.mean(list(per_width.values())))
    figures[keys.PEN_WORST] = min(per_width.values())
    figures[keys.PEN_SPREAD] = 100 * (max(per_width.values()) - min(per_width.values()))
    figures[keys.PEN_SET] = f"held-out writers {','.join(map(str, sorted(writers)))} ({count} digits), canvas {CANVAS_SIZE} px"
    return figures


def evaluate_model(recognizer: Recognizer, data_dir: os.PathLike | str | None = None,
                   pendigits_file: os.PathLike | str | None = None, limit: int | None = None,
                   thickness: bool = True, corrections_file: os.PathLike | str | None = None,
                   tutorial_pipeline: bool = False, progress: Progress = _no_progress) -> dict:
    """All figures as a flat dict (accuracies in 0..1); sections without data are left out.

    `progress(fraction, stage)` is called as each step starts and once more at the end (1.0).
    """
    figures: dict = {}
    has_pen_file = pendigits_file is not None and Path(pendigits_file).exists()
    records = corrections.load(corrections_file)[0] if corrections_file is not None else []
    plan = ([("mnist", "MNIST test")] if data_dir is not None else [])
    plan += [("morph", f"MNIST test {'thinned' if k < 0 else 'thickened'} by ~{abs(px)} px")
             for k, px in THICKNESS_LEVELS.items() if data_dir is not None and thickness]
    plan += [("pen", f"pen-drawn digits at {w} px") for w in BRUSH_WIDTHS if has_pen_file]
    plan += [("drawings", f"your drawings at {w} px") for w in BRUSH_WIDTHS if len(records) >= MIN_DRAWINGS]
    total = sum(STEP_COST[kind] for kind, _ in plan) or 1.0
    done = [0.0, 0]  # cost finished, steps finished

    def step(finished: int = 1) -> None:
        for _ in range(finished):
            done[0] += STEP_COST[plan[done[1]][0]]
            done[1] += 1
        progress(done[0] / total, plan[done[1]][1] if done[1] < len(plan) else "done")

    progress(0.0, plan[0][1] if plan else "done")
    if data_dir is not None:
        images, labels = data.load_mnist(data_dir, train=False, download=False)
        if limit:
            images, labels = images[:limit], labels[:limit]
        figures[keys.MNIST_TEST] = mnist_accuracy(recognizer, images, labels)
        step()
        if thickness:
            for kernel in THICKNESS_LEVELS:
                variant = thickness_variant(images, kernel) if limit else cached_thickness_variant(images, kernel)
                figures[keys.kernel_key(kernel)] = mnist_accuracy(recognizer, variant, labels)
                step()
    digits = heldout_pen_digits(pendigits_file, limit) if has_pen_file else []
    if has_pen_file and not digits:  # no figure rather than the NaN of an empty mean
        figures[keys.PEN_NOTE] = f"{pendigits_file} holds no digits by the held-out writers: no pen-digit figures"
    if digits:
        renders, pen_labels = data.heldout_pen_renders(pendigits_file, BRUSH_WIDTHS)
        per_width = pen_render_accuracies(recognizer, renders[:, :len(digits)], pen_labels[:len(digits)],
                                          progress=lambda _done: step())
        figures.update(pen_figures(per_width, len(digits)))
        if tutorial_pipeline:
            for width, accuracy in pen_accuracies(recognizer, digits, tutorial_pipeline=True).items():
                figures[keys.width_key(keys.PEN_TUTORIAL, width)] = accuracy
    elif has_pen_file:
        step(len(BRUSH_WIDTHS))
    if corrections_file is not None:
        figures[keys.CORRECTIONS_COUNT] = len(records)
        if len(records) >= MIN_DRAWINGS:
            for width, accuracy in drawing_accuracies(recognizer, records).items():
                figures[keys.width_key(keys.CORRECTIONS, width)] = accuracy
                step()
    return figures


class JsonProgress:
    """Progress as JSON lines on stdout, with an ETA from the time so far; at most one line per second."""

    def __init__(self, started: float):
        self.started, self._last = started, 0.0

    def __call__(self, fraction: float, stage: str) -> None:
        now = time.monotonic()
        if now - self._last < 1.0 and 0.0 < fraction < 1.0:
            return
        self._last = now
        elapsed = now - self.started
        eta = elapsed * (1 - fraction) / fraction if fraction > 0.02 else None
        print(json.dumps({"event": "progress", "fraction": round(fraction, 3), "stage": stage,
                          "eta_s": None if eta is None else round(eta, 1)}), flush=True)


def format_table(name: str, figures: dict) -> str:
    """The figures as a plain-text table."""
    lines = [f"model: {name}"]
    if keys.MNIST_TEST in figures:
        lines.append(f"  MNIST test                        {figures[keys.MNIST_TEST]:.2%}")
        for kernel in THICKNESS_LEVELS:
            key = keys.kernel_key(kernel)
            if key in figures:
                change = "thinned" if kernel < 0 else "thickened"
                pixels = THICKNESS_LEVELS[kernel]
                lines.append(f"  MNIST test {change:9} by ~{abs(pixels)} px      {figures[key]:.2%}")
    if keys.PEN_SET in figures:
        lines.append(f"  pen-drawn digits, {figures[keys.PEN_SET]}:")
        lines.append("    brush width  " + "  ".join(f"{w:>6}" for w in BRUSH_WIDTHS))
        lines.append("    accuracy     " + "  ".join(f"{a:6.2%}" for a in keys.per_width(figures, keys.PEN).values()))
        if tutorial := keys.per_width(figures, keys.PEN_TUTORIAL):
            lines.append("    tutorials'   " + "  ".join(f"{a:6.2%}" for a in tutorial.values())
                         + "   (whole canvas resized to 28x28, for comparison)")
        lines.append(f"    mean {figures[keys.PEN_MEAN]:.2%}, worst {figures[keys.PEN_WORST]:.2%}, "
                     f"best minus worst {figures[keys.PEN_SPREAD]:.2f} points")
    if keys.PEN_NOTE in figures:
        lines.append(f"  pen-drawn digits: {figures[keys.PEN_NOTE]}")
    if drawn := keys.per_width(figures, keys.CORRECTIONS):
        lines.append(f"  your drawings ({figures[keys.CORRECTIONS_COUNT]}), re-rendered at each brush width:")
        lines.append("    accuracy     " + "  ".join(f"{a:6.2%}" for a in drawn.values()))
    elif keys.CORRECTIONS_COUNT in figures:
        lines.append(f"  your drawings: {figures[keys.CORRECTIONS_COUNT]} (at least {MIN_DRAWINGS} are needed for a figure)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Evaluate one model and print a table (or JSON, after progress lines)."""
    started = time.monotonic()
    parser = argparse.ArgumentParser(prog="python -m training.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=paths.DEFAULT_MODEL, help="robust, plain, or a checkpoint file")
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw")
    parser.add_argument("--pendigits", default=None,
                        help="pendigits-orig.tra (default: DATA_DIR/pendigits/pendigits-orig.tra when present)")
    parser.add_argument("--corrections", default=None,
                        help="also evaluate on your corrected drawings (a corrections .jsonl) at each brush width")
    parser.add_argument("--tutorial-pipeline", action="store_true",
                        help="also score pen-drawn digits fed the tutorials' way (whole canvas resized to 28x28)")
    parser.add_argument("--cross-validate", action="store_true",
                        help="also score every pen-digit writer by a model of the same recipe that never saw them "
                             "(training/cross_validate.py; trains the missing fold models first)")
    parser.add_argument("--folds-dir", default=None,
                        help="where the fold models are kept (default: the training cache, a folder per recipe)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--update-card", action="store_true", help="write the figures into the checkpoint's model card")
    parser.add_argument("--low-priority", action="store_true", help="run at a lower CPU priority (as the app does)")
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.low_priority:
        lower_priority()
    pen_file = args.pendigits or pendigits.file_in(args.data_dir)
    try:
        if args.corrections and not Path(args.corrections).exists():
            parser.error(f"--corrections {args.corrections}: no such file")
        recognizer = export.load_recognizer(args.model, args.data_dir)
        if args.update_card and paths.is_shipped(recognizer.source):
            parser.error(f"--update-card: {recognizer.source} is a model shipped with the app and is never rewritten; "
                         "update a copy of it instead")
        figures = evaluate_model(recognizer, args.data_dir, pen_file, args.limit, corrections_file=args.corrections,
                                 tutorial_pipeline=args.tutorial_pipeline,
                                 progress=JsonProgress(started) if args.json else _no_progress)
        temperature = None
        if args.cross_validate:
            if not Path(pen_file).exists():
                parser.error(f"--cross-validate needs the pen-digit file; {pen_file} is missing")
            say = (lambda text: print(text, file=sys.stderr, flush=True)) if args.json else print
            folds_dir = Path(args.folds_dir) if args.folds_dir else cross_validate.default_folds_dir(recognizer.card)
            logits, labels, writers, folds = cross_validate.out_of_fold_logits(
                recognizer, pen_file, args.data_dir, folds_dir, BRUSH_WIDTHS, say)
            figures.update(cross_validate.cv_figures(logits, labels, writers, folds, BRUSH_WIDTHS))
            temperature = cross_validate.fitted_temperature(logits, labels)
        if args.update_card:
            source = paths.shipped_model(args.model) if args.model in paths.SHIPPED_MODELS else Path(args.model)
            loaded = checkpoint.load(source)
            command = "python -m training.evaluate " + shlex.join(argv if argv is not None else sys.argv[1:])
            card = dict(loaded.card, figures={**loaded.card.get("figures", {}), **figures}, figures_command=command)
            if temperature is not None:  # calibrated on every writer, each scored out of fold
                card["calibration"] = {"temperature": round(temperature, 4), "fitted_on": (
                    f"out-of-fold logits of all {len(np.unique(writers))} pen-digit writers ({len(labels)} digits) at brush "
                    f"widths {','.join(map(str, BRUSH_WIDTHS))} px; negative log-likelihood; {command}")}
            export.save_model(source, loaded.model, loaded.arch, card, args.data_dir)
    except (checkpoint.CheckpointError, engine.ModelError, export.ExportError, data.DataError, pendigits.PendigitsError,
            corrections.CorrectionsError, cross_validate.CrossValidationError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"model": recognizer.name, "source": recognizer.source, "figures": figures,
                          "brush_widths": list(BRUSH_WIDTHS),
                          "thickness_px": {f"{k:+d}": v for k, v in THICKNESS_LEVELS.items()}}))
    else:
        print(format_table(f"{recognizer.name} ({recognizer.source})", figures))
        if args.cross_validate:
            print("\n".join(cross_validate.format_lines(figures, BRUSH_WIDTHS)))
            print(f"    temperature fitted on all folds: {temperature:.4f} (--update-card stores it in the card)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
