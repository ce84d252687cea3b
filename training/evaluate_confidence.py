"""How honest the confidence is: calibration, "unsure", and "not a digit", on writers the model never saw.

    python -m training.evaluate_confidence [--model robust] [--data-dir DIR] [--count 600]
    python -m training.evaluate_confidence --model robust --write-calibration resources/models/robust.pt

Digits: the held-out writers 5,10,...,30 of the pen-digit file at the README's brush widths, rendered
as in training.evaluate. The temperature is judged writer by writer: for each writer it is fitted on
the other five and applied to that one (leave one writer out), so no figure comes from a writer its
temperature was fitted on. `--write-calibration` fits it on all six and stores it in a model card (the
shipped robust card's T comes from all 30 writers, out of fold: training.evaluate --cross-validate --update-card).
Non-digits: training/nondigits.py with EVAL_SEED (the detector was trained on TRAIN_SEED).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from mnist_pad import checkpoint, confidence, nondigit, paths, pendigits
from mnist_pad.raster import CANVAS_SIZE
from mnist_pad.recognizer import Recognizer

from . import nondigits
from .evaluate import BRUSH_WIDTHS, heldout_pen_digits

NONDIGIT_WIDTHS = (4, 12, 25, 50)
FLAG_DIGITS = 0.02  # the share of real digits a score threshold may flag, for the comparison rows


def heldout_logits(recognizer: Recognizer, digits: list[pendigits.PenDigit]):
    """Raw logits, labels, writers and brush widths for every held-out digit at every brush width,
    and the 28x28 images the model saw (width by width, in the order of `digits`)."""
    drawings = [d.fitted(CANVAS_SIZE) for d in digits]
    inputs = [recognizer.prepare_strokes(s, float(w), CANVAS_SIZE) for w in BRUSH_WIDTHS for s in drawings]
    logits = recognizer.logits_inputs(inputs)
    repeat = len(BRUSH_WIDTHS)
    return (logits, np.tile([d.label for d in digits], repeat), np.tile([d.writer for d in digits], repeat),
            np.repeat(BRUSH_WIDTHS, len(digits)), np.stack([i.image for i in inputs]))


def leave_one_writer_out(logits: np.ndarray, labels: np.ndarray, writers: np.ndarray) -> tuple[np.ndarray, dict[int, float]]:
    """Probabilities of each writer's digits at the temperature fitted on the other writers, and those temperatures."""
    probabilities = np.zeros_like(logits)
    temperatures = {}
    for writer in np.unique(writers):
        own = writers == writer
        temperatures[int(writer)] = confidence.fit_temperature(logits[~own], labels[~own])
        probabilities[own] = confidence.softmax(logits[own], temperatures[int(writer)])
    return probabilities, temperatures


def calibration_lines(logits, labels, writers, card_temperature: float) -> list[str]:
    """ECE and confident wrong answers before and after, the honest row being leave-one-writer-out."""
    raw = confidence.softmax(logits)
    honest, temperatures = leave_one_writer_out(logits, labels, writers)
    shipped = confidence.softmax(logits, card_temperature)
    wrong = int((raw.argmax(axis=1) != labels).sum())
    lines = [f"calibration: {len(labels)} renders ({len(labels) // len(BRUSH_WIDTHS)} digits x {len(BRUSH_WIDTHS)} widths), "
             f"{wrong} wrong",
             "                                                ECE   wrong answers at >= 95%   unsure (< "
             f"{confidence.UNSURE_BELOW:.0%})   wrong answers unsure"]
    for name, p in (("no calibration (T = 1)", raw),
                    ("leave one writer out (T fitted on the others)", honest),
                    (f"the card's T = {card_temperature:.3f}", shipped)):
        unsure = p.max(axis=1) < confidence.UNSURE_BELOW
        wrong_rows = p.argmax(axis=1) != labels
        lines.append(f"  {name:45} {confidence.expected_calibration_error(p, labels):6.2%}   "
                     f"{confidence.confident_wrong_share(p, labels):23.1%}   {unsure.mean():17.2%}   "
                     f"{unsure[wrong_rows].mean() if wrong_rows.any() else float('nan'):18.1%}")
    lines.append("  temperatures, writer left out -> T: " + ", ".join(f"{w}: {t:.3f}" for w, t in temperatures.items()))
    lines.append("  wrong per writer: " + ", ".join(f"{w}: {int(((raw.argmax(axis=1) != labels) & (writers == w)).sum())}"
                                                    for w in temperatures))
    return lines


def not_a_digit_lines(recognizer: Recognizer, digits, logits, widths, images, count: int,
                      detector_path: str | None) -> list[str]:
    """Share of non-digits flagged per category and of real digits flagged per width, detector vs score thresholds."""
    detector = nondigit.NotADigitDetector.load(detector_path)
    drawings = nondigits.generate(count, nondigits.EVAL_SEED, digits)
    categories = np.tile([c for c, _ in drawings], len(NONDIGIT_WIDTHS))
    inputs = [recognizer.prepare_strokes(s, float(w), CANVAS_SIZE) for w in NONDIGIT_WIDTHS for _, s in drawings]
    other_logits = recognizer.logits_inputs(inputs)
    other_detector = detector.probabilities(np.stack([i.image for i in inputs]))
    digit_detector = detector.probabilities(images)
    t = recognizer.temperature
    # Higher = less like a digit; thresholds set so FLAG_DIGITS of the real digits are flagged. (No energy
    # score: the exported network ends in a softmax, so its logits are known only up to a constant per row.)
    scores = {
        "1 - max probability": lambda z: 1 - confidence.softmax(z, t).max(axis=1),
        "entropy": lambda z: -(lambda p: (p * np.log(p + 1e-12)).sum(axis=1))(confidence.softmax(z, t)),
    }
    rows = {"detector (P >= %.2f)" % confidence.NOT_A_DIGIT_AT: (other_detector >= confidence.NOT_A_DIGIT_AT,
                                                                 digit_detector >= confidence.NOT_A_DIGIT_AT)}
    for name, score in scores.items():
        threshold = np.quantile(score(logits), 1 - FLAG_DIGITS)
        rows[f"{name} (2% of digits)"] = (score(other_logits) > threshold, score(logits) > threshold)
    names = list(nondigits.CATEGORIES)
    lines = [f"not a digit: {count} non-digits (seed {nondigits.EVAL_SEED}) x brush {', '.join(map(str, NONDIGIT_WIDTHS))} px; "
             f"digits of the held-out writers x {len(BRUSH_WIDTHS)} widths",
             "  non-digits flagged                   " + "".join(f"{n:>12}" for n in names) + "         all",
             ]
    for name, (flagged, _) in rows.items():
        lines.append(f"  {name:36} " + "".join(f"{flagged[categories == n].mean():12.1%}" for n in names)
                     + f"{flagged.mean():12.1%}")
    lines.append("  real digits flagged, brush          " + "".join(f"{w:>8}" for w in BRUSH_WIDTHS) + "       all")
    for name, (_, flagged) in rows.items():
        lines.append(f"  {name:36} " + "".join(f"{flagged[widths == w].mean():8.2%}" for w in BRUSH_WIDTHS)
                     + f"{flagged.mean():10.2%}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the calibration and not-a-digit tables; optionally store a fitted temperature in a checkpoint."""
    parser = argparse.ArgumentParser(prog="python -m training.evaluate_confidence", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=paths.DEFAULT_MODEL, help="robust, plain, or a checkpoint file")
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding pendigits/")
    parser.add_argument("--count", type=int, default=600, help="non-digit drawings (each at 4 brush widths)")
    parser.add_argument("--detector", default=None, help="a non-digit detector .onnx (default: the shipped one)")
    parser.add_argument("--write-calibration", metavar="CHECKPOINT", default=None,
                        help="fit T on all held-out writers and write the model with it in its card to this file")
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)  # tests: the first N held-out digits
    args = parser.parse_args(argv)
    pen_file = Path(args.data_dir) / "pendigits" / "pendigits-orig.tra"
    try:
        recognizer = Recognizer.load(args.model)
        digits = heldout_pen_digits(pen_file, args.limit)
        logits, labels, writers, widths, images = heldout_logits(recognizer, digits)
        if args.write_calibration:
            temperature = confidence.fit_temperature(logits, labels)
            loaded = checkpoint.load(recognizer.source)
            fitted_on = (f"pen digits of held-out writers {','.join(map(str, sorted(pendigits.EVAL_WRITERS)))} "
                         f"({len(digits)} digits) at brush widths {','.join(map(str, BRUSH_WIDTHS))} px; "
                         "negative log-likelihood; python -m training.evaluate_confidence")
            card = dict(loaded.card, calibration={"temperature": round(temperature, 4), "fitted_on": fitted_on})
            checkpoint.save(args.write_calibration, loaded.model, loaded.arch, card)
            print(f"wrote {args.write_calibration}: temperature {temperature:.4f}")
            recognizer = Recognizer.load(args.write_calibration)
        print(f"model: {recognizer.name} ({recognizer.source})")
        print("\n".join(calibration_lines(logits, labels, writers, recognizer.temperature)))
        print("\n".join(not_a_digit_lines(recognizer, digits, logits, widths, images, args.count, args.detector)))
    except (checkpoint.CheckpointError, pendigits.PendigitsError, nondigit.DetectorError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
