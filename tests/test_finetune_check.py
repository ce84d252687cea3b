"""The fine-tune check's corrections come from the training writers only, and its report names the targets."""
from __future__ import annotations

import numpy as np

from mnist_pad import pendigits
from training import evaluate, finetune_check


class ReadsEverythingAsZero:
    """A stand-in model that answers 0 to every drawing."""

    def predict_strokes_batch(self, drawings, brush_width, canvas_size):
        return np.tile(np.eye(10)[0], (len(drawings), 1))


def test_corrections_are_misread_pen_digits_of_training_writers_only(pendigits_file):
    records = finetune_check.misread_pen_digits(ReadsEverythingAsZero(), pendigits_file, count=10**6, seed=0)
    digits = pendigits.load(pendigits_file)
    training_nonzero = [d for d in digits if d.writer not in pendigits.EVAL_WRITERS and d.label != 0]
    assert len(records) == len(training_nonzero), "every misread training digit, no evaluation writer's"
    assert all(r.label != 0 and r.brush_width == evaluate.BRUSH_WIDTHS[0] for r in records)
    assert len(finetune_check.misread_pen_digits(ReadsEverythingAsZero(), pendigits_file, count=5, seed=0)) == 5


def test_the_report_shows_before_and_after_across_widths_against_the_targets():
    per_width = lambda value: {f"corrections_w{w}_accuracy": value for w in evaluate.BRUSH_WIDTHS}
    done = {"seconds": 28,
            "baseline": {"mnist_test_accuracy": 0.9961, "corrections_accuracy": 0.78, **per_width(0.78)},
            "figures": {"mnist_test_accuracy": 0.9926, "corrections_accuracy": 0.97, "corrections_count": 35,
                        **per_width(0.97)}}
    text = "\n".join(finetune_check.report(done))
    assert "78.0%" in text and "97.0%" in text and "-0.35 points" in text
    assert "corrections >= 90%: met" in text and "MNIST drop <= 0.3 points: NOT met (0.35)" in text
