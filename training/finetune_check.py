"""Does a quick fine-tune learn the user's corrections without forgetting?  `python -m training.finetune_check`

Makes a corrections file as a user would: pen-drawn digits of the training writers (never the
evaluation writers, pendigits.EVAL_WRITERS) that the model misreads at some brush width, plus a
few deliberate drawings in styles MNIST rarely has. Then runs the fine-tune the Retrain dialog runs
(Recipe.finetune: from the model, on those corrections, replaying the original data) and prints
accuracy on those drawings across brush widths and on MNIST test, before and after, beside the
targets of issue 10 (at least 90% of the corrections right across widths, MNIST down at most 0.3 points).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from mnist_pad import checkpoint, corrections, paths, pendigits
from mnist_pad.recipe import Recipe, finetune_budget_s

from . import evaluate
from .export import load_recognizer

CANVAS = 280
TARGET_CORRECTIONS, TARGET_MNIST_DROP = 0.90, 0.003
SCAN_CHUNK = 400  # pen digits checked at a time while looking for misread ones

# Deliberate drawings in styles a user may have and MNIST rarely shows (280 px canvas, y down).
USER_STYLE_DRAWINGS: dict[str, tuple[int, list[list[tuple[float, float]]]]] = {
    "1 with flag and base": (1, [[(110, 95), (150, 45), (150, 235)], [(100, 235), (200, 235)]]),
    "7 with crossbar": (7, [[(75, 55), (205, 55), (125, 235)], [(105, 145), (195, 145)]]),
    "open-top 4": (4, [[(165, 40), (70, 170), (215, 170)], [(175, 95), (175, 240)]]),
    "9 with straight stem": (9, [[(185, 95), (160, 55), (115, 50), (90, 85), (105, 125), (150, 130), (185, 95)],
                                 [(185, 95), (185, 240)]]),
    "crossed 0": (0, [[(140, 40), (90, 80), (85, 190), (140, 240), (195, 190), (190, 80), (140, 40)],
                      [(90, 230), (190, 50)]]),
}


def misread_pen_digits(recognizer, path: Path, count: int, seed: int) -> list[corrections.Correction]:
    """Up to `count` training writers' pen digits the model misreads at some width, as corrections at that width."""
    digits = [d for d in pendigits.load(path) if d.writer not in pendigits.EVAL_WRITERS]
    order = np.random.default_rng(seed).permutation(len(digits))
    found: list[corrections.Correction] = []
    for start in range(0, len(order), SCAN_CHUNK):
        chunk = [digits[i] for i in order[start:start + SCAN_CHUNK]]
        drawings = [d.fitted(CANVAS) for d in chunk]
        labels = np.array([d.label for d in chunk])
        wrong_at = {}
        for width in evaluate.BRUSH_WIDTHS:
            wrong = recognizer.predict_strokes_batch(drawings, float(width), CANVAS).argmax(axis=1) != labels
            for index in np.flatnonzero(wrong):
                wrong_at.setdefault(int(index), width)
        for index, width in sorted(wrong_at.items()):
            strokes = [[(float(x), float(y)) for x, y in s] for s in drawings[index]]
            found.append(corrections.make(strokes, int(labels[index]), float(width), CANVAS))
            if len(found) == count:
                return found
    return found


def user_style_corrections() -> list[corrections.Correction]:
    """USER_STYLE_DRAWINGS as corrections drawn with a medium brush."""
    return [corrections.make(strokes, label, 12.0, CANVAS) for label, strokes in USER_STYLE_DRAWINGS.values()]


def fine_tune(model: Path, drawings: Path, data_dir: str, out: Path, extra: list[str]) -> dict:
    """The Retrain dialog's quick fine-tune, run as the app runs it; returns its `done` event."""
    recipe = Recipe.finetune(str(model), str(drawings), finetune_budget_s(checkpoint.load(model).card), data_dir=data_dir)
    command = [sys.executable, "-m", "training", *recipe.to_argv(), "--out", str(out), "--progress", "json",
               "--low-priority", *extra]
    result = subprocess.run(command, capture_output=True, text=True)
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not events or events[-1]["event"] != "done":
        message = events[-1].get("message", "") if events else result.stderr[-2000:]
        raise SystemExit(f"the fine-tune failed (exit {result.returncode}): {message}")
    return events[-1]


def report(done: dict) -> list[str]:
    """Before/after lines: the corrections per width and on average, MNIST test, held-out pen digits."""
    before, after = done["baseline"], done["figures"]
    widths = "  ".join(f"{w:>6}" for w in evaluate.BRUSH_WIDTHS)
    row = lambda figures: "  ".join(f"{figures[f'corrections_w{w}_accuracy']:6.1%}" for w in evaluate.BRUSH_WIDTHS)
    drop = before["mnist_test_accuracy"] - after["mnist_test_accuracy"]
    learned, kept = after["corrections_accuracy"] >= TARGET_CORRECTIONS, drop <= TARGET_MNIST_DROP
    lines = [f"corrections: {after['corrections_count']} drawings, each at every brush width",
             f"  brush width {widths}", f"  before      {row(before)}", f"  after       {row(after)}"]
    for key, words in (("corrections_accuracy", "corrections (mean over widths)"), ("mnist_test_accuracy", "MNIST test"),
                       ("pendigits_mean_accuracy", "held-out pen digits (mean)"),
                       ("pendigits_worst_width_accuracy", "held-out pen digits (worst width)")):
        if key in before and key in after:
            lines.append(f"{words:36} {before[key]:7.2%} -> {after[key]:7.2%}  ({100 * (after[key] - before[key]):+.2f} points)")
    lines.append(f"target: corrections >= {TARGET_CORRECTIONS:.0%}: {'met' if learned else 'NOT met'}; "
                 f"MNIST drop <= {100 * TARGET_MNIST_DROP:.1f} points: {'met' if kept else 'NOT met'} "
                 f"({100 * drop:.2f}); fine-tune took {done['seconds']:.0f} s")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Entry point; options after `--` go to the fine-tune (e.g. `-- --lr 3e-4`)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(prog="python -m training.finetune_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(paths.shipped_model("robust")), help="the model in use (a .pt)")
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw and pendigits/")
    parser.add_argument("--count", type=int, default=30, help="misread pen digits to correct")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", default=None, help="keep the corrections file and the new model in this folder")
    args = parser.parse_args(argv)
    pen = Path(args.data_dir) / "pendigits" / "pendigits-orig.tra"
    recognizer = load_recognizer(args.model, args.data_dir)
    records = misread_pen_digits(recognizer, pen, args.count, args.seed) + user_style_corrections()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        folder.mkdir(parents=True, exist_ok=True)
        drawings = folder / "corrections.jsonl"
        drawings.unlink(missing_ok=True)
        for record in records:
            corrections.append(drawings, record)
        print(f"fine-tuning {Path(args.model).name} on {len(records)} corrections "
              f"({len(records) - len(USER_STYLE_DRAWINGS)} misread pen digits of training writers, "
              f"{len(USER_STYLE_DRAWINGS)} user-style drawings); options: {' '.join(extra) or 'the app defaults'}", flush=True)
        done = fine_tune(Path(args.model), drawings, args.data_dir, folder / "finetuned.pt", extra)
    print("\n".join(report(done)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
