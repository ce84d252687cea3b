"""Names of a model's figures (model cards, evaluation output, retraining results), defined once
with their parsing: whoever writes a key and whoever reads it use these, never an f-string of its own.

Accuracies are 0..1. Per-width keys read `{source}_w{width}_accuracy`, per-thickness keys
`mnist_morph{kernel:+d}_accuracy` (kernel of training.augment.morph: negative thins, positive thickens).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MNIST_TEST = "mnist_test_accuracy"
VALIDATION = "val_accuracy"
PEN_MEAN = "pendigits_mean_accuracy"
PEN_WORST = "pendigits_worst_width_accuracy"
PEN_SPREAD = "pendigits_spread_points"  # best minus worst width, in percentage points
PEN_SET = "pendigits_set"               # which pen digits were used, in words
PEN_NOTE = "pendigits_note"             # why there are no pen-digit figures
CORRECTIONS_MEAN = "corrections_accuracy"
# Writer-level cross-validation (training/cross_validate.py): every pen-digit writer scored out of fold.
CV_MEAN = "pendigits_cv_mean_accuracy"
CV_WORST = "pendigits_cv_worst_width_accuracy"
CV_SPREAD = "pendigits_cv_spread_points"
CV_WORST_WRITER = "pendigits_cv_worst_writer_accuracy"
CV_SET = "pendigits_cv_set"
CV_ECE = "pendigits_cv_calibration_error"            # at the temperature fitted on the other folds
CV_CONFIDENT_WRONG = "pendigits_cv_confident_wrong_share"  # wrong answers given with >= 95%, same
CORRECTIONS_COUNT = "corrections_count"

# Sources of per-width figures: pen digits of held-out writers, the same through the seed tutorials'
# pipeline, and the user's own drawings.
PEN = "pendigits"
PEN_TUTORIAL = "pendigits_tutorial"
CV_PEN = "pendigits_cv"
CORRECTIONS = "corrections"

_PER_WIDTH = re.compile(r"^(?P<source>[a-z_]+?)_w(?P<width>\d+(?:\.\d+)?)_accuracy$")
_PER_KERNEL = re.compile(r"^mnist_morph(?P<kernel>[+-]\d+)_accuracy$")


@dataclass(frozen=True)
class WidthKey:
    """A per-brush-width accuracy key, parsed."""

    source: str
    width: float


@dataclass(frozen=True)
class KernelKey:
    """A per-stroke-thickness (MNIST test, thinned or thickened) accuracy key, parsed."""

    kernel: int


def width_key(source: str, width: float) -> str:
    """The key of `source`'s accuracy at this brush width (whole widths are written without a point)."""
    return f"{source}_w{_number(width)}_accuracy"


def kernel_key(kernel: int) -> str:
    """The key of MNIST test accuracy with strokes morphed by this kernel."""
    return f"mnist_morph{int(kernel):+d}_accuracy"


def parse(key: str) -> WidthKey | KernelKey | None:
    """What a per-width or per-thickness key holds; None for any other key."""
    if match := _PER_WIDTH.match(key):
        return WidthKey(match["source"], float(match["width"]))
    if match := _PER_KERNEL.match(key):
        return KernelKey(int(match["kernel"]))
    return None


def per_width(figures: dict, source: str) -> dict[float, float]:
    """{brush width: accuracy} of one source, by increasing width."""
    found = {}
    for key, value in figures.items():
        parsed = parse(key)
        if isinstance(parsed, WidthKey) and parsed.source == source and isinstance(value, (int, float)):
            found[parsed.width] = float(value)
    return dict(sorted(found.items()))


def per_kernel(figures: dict) -> dict[int, float]:
    """{morph kernel: MNIST test accuracy}, by increasing kernel."""
    found = {parsed.kernel: float(value) for key, value in figures.items()
             if isinstance(parsed := parse(key), KernelKey) and isinstance(value, (int, float))}
    return dict(sorted(found.items()))


def _number(width: float) -> str:
    return str(int(width)) if float(width).is_integer() else f"{float(width):g}"
