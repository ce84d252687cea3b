"""How MNIST-like is a 28x28 input: stroke thickness, slant, width and height in MNIST's own terms.

The measures follow Morpho-MNIST (Castro et al. 2018, `morphomnist.measure`): the image is
upscaled 4x and binarised at half its range; thickness is twice the mean distance to the
background along the medial axis, slant comes from the image moments' horizontal shear, and
width/height are those of the 2%-98% bounding parallelogram at that slant. One difference: the
medial axis is taken as the ridge of OpenCV's distance transform (its local maxima), which needs
no scikit-image. The reference distribution of MNIST's training set ships as JSON, made by
`python -m training.mnist_stats`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import cv2
import numpy as np

from .drawing import Strokes
from .preprocess import to_mnist
from .raster import rasterize

SCALE = 4          # Morpho-MNIST's upscaling before binarising
BOUND_FRAC = 0.02  # ink left outside the bounding parallelogram, both sides together
MEASURES = ("thickness", "slant", "width", "height")
REFERENCE_FILE = "mnist_morphometry.json"


class ReferenceError(RuntimeError):
    """The shipped MNIST reference is missing or unreadable (a broken install)."""


@dataclass(frozen=True)
class Morphometry:
    """Shape measures of one 28x28 digit, in 28x28 pixels (slant in degrees, + leans right)."""

    thickness: float
    slant: float
    width: float
    height: float

    def as_dict(self) -> dict[str, float]:
        """The measures by name, in MEASURES order."""
        return {name: getattr(self, name) for name in MEASURES}


def measure(image: np.ndarray) -> Morphometry | None:
    """Morpho-MNIST's measures of a uint8 28x28 digit (white on black); None when it has no ink."""
    image = np.asarray(image, np.float32)
    if image.max() <= image.min():
        return None
    hires = cv2.resize(image, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    low, high = float(hires.min()), float(hires.max())
    binary = (hires >= low + 0.5 * (high - low)).astype(np.uint8)
    distance = cv2.distanceTransform(binary, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    thickness = 2.0 * float(distance[ridge].mean()) / SCALE

    weights = np.clip(hires, 0, None).astype(np.float64)
    ys, xs = np.mgrid[0:hires.shape[0], 0:hires.shape[1]]
    total = weights.sum()
    mean_x, mean_y = (xs * weights).sum() / total, (ys * weights).sum() / total
    u11 = ((xs - mean_x) * (ys - mean_y) * weights).sum() / total
    u02 = ((ys - mean_y) ** 2 * weights).sum() / total
    shear = u11 / u02 if u02 > 0 else 0.0
    unslanted_x = xs - shear * (ys - mean_y)
    left, right = _weighted_quantiles(unslanted_x, weights, (BOUND_FRAC / 2, 1 - BOUND_FRAC / 2))
    top, bottom = _weighted_quantiles(ys, weights, (BOUND_FRAC / 2, 1 - BOUND_FRAC / 2))
    return Morphometry(thickness, float(np.degrees(np.arctan(-shear))), (right - left) / SCALE, (bottom - top) / SCALE)


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, fractions: Sequence[float]) -> tuple[float, ...]:
    order = np.argsort(values, axis=None)
    cumulative = np.cumsum(weights.ravel()[order])
    return tuple(float(v) for v in np.interp(np.asarray(fractions) * cumulative[-1], cumulative, values.ravel()[order]))


@dataclass(frozen=True)
class Reference:
    """MNIST's distribution of each measure: its percentiles 0, 1, ..., 100."""

    percentiles: dict[str, np.ndarray]
    count: int
    source: str

    def median(self, name: str) -> float:
        """MNIST's median of a measure."""
        return float(self.percentiles[name][50])

    def shares(self, name: str, value: float) -> tuple[float, float]:
        """The shares (0-100) of MNIST's digits strictly below and strictly above a value.

        Heights and widths come in steps of 1/SCALE px, so many digits share one value (a third of
        MNIST is 19.5 or 19.75 px tall): a value on such a step counts none of them on either side, and
        between two steps the share climbs from the lower step's last percentile to the upper one's
        first. A value within MNIST's range leaves some digits (those at the end) on the far side."""
        levels = self.percentiles[name]
        steps, first = np.unique(levels, return_index=True)
        last = len(levels) - 1 - np.unique(levels[::-1], return_index=True)[1]
        i = int(np.searchsorted(steps, value))
        if i == len(steps):
            below = at_or_below = 100.0
        elif steps[i] == value:
            below, at_or_below = float(first[i]), float(last[i])
        elif i == 0:
            below = at_or_below = 0.0
        else:
            low, high = steps[i - 1], steps[i]
            below = at_or_below = float(last[i - 1] + (value - low) / (high - low) * (first[i] - last[i - 1]))
        one_digit = 100.0 / max(self.count, 1)
        if value <= levels[-1]:
            below = min(below, 100.0 - one_digit)
        above = 100.0 - at_or_below
        if value >= levels[0]:
            above = min(above, 100.0 - one_digit)
        return below, above

    def rank(self, name: str, value: float) -> float:
        """Where a value sits among MNIST's digits (0-100): below it, plus half of those equal to it."""
        below, above = self.shares(name, value)
        return (below + 100.0 - above) / 2


@lru_cache(maxsize=1)
def reference() -> Reference:
    """The shipped reference distribution of MNIST's training set."""
    try:
        text = resources.files("mnist_pad.resources").joinpath(REFERENCE_FILE).read_text()
        data = json.loads(text)
        percentiles = {name: np.asarray(data["percentiles"][name], float) for name in MEASURES}
        return Reference(percentiles, int(data["count"]), str(data["source"]))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ReferenceError(f"the MNIST reference {REFERENCE_FILE} is missing or broken ({error}); "
                             "reinstall mnist-pad or run python -m training.mnist_stats") from None


def reference_from_measures(measured: Sequence[Morphometry], source: str) -> dict:
    """The JSON-ready reference for a set of measured digits: 101 percentiles of each measure."""
    table = np.array([[m.thickness, m.slant, m.width, m.height] for m in measured], np.float64)
    levels = np.percentile(table, np.arange(101), axis=0)
    return {"source": source, "count": len(measured),
            "measures": "Morpho-MNIST (thickness, slant in degrees, width, height in 28x28 px)",
            "percentiles": {name: [round(float(v), 4) for v in levels[:, i]] for i, name in enumerate(MEASURES)}}


def match_mnist_width(strokes: Strokes, canvas_size: int, widths: Sequence[float],
                      target: float | None = None) -> float | None:
    """The brush width whose 28x28 rendering is closest to MNIST's median thickness; None when nothing is drawn."""
    target = reference().median("thickness") if target is None else target
    best, best_gap = None, np.inf
    for width in widths:
        measured = measure(to_mnist(rasterize(strokes, width, canvas_size)).image)
        if measured is not None and abs(measured.thickness - target) < best_gap:
            best, best_gap = float(width), abs(measured.thickness - target)
    return best
