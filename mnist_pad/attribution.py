"""Why the network decided: an occlusion map over its 28x28 input, and each stroke's effect.

Both work with any engine: they take `predict`, a function from uint8 images (N, 28, 28) in
MNIST form to probabilities (N, 10) (e.g. `Recognizer.predict_mnist`), and call it once with
every variant in one batch, so a whole explanation costs one batched inference.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from .drawing import Strokes
from .preprocess import MnistInput, to_mnist
from .raster import rasterize

Predict = Callable[[np.ndarray], np.ndarray]
PATCH = 4   # side of the hidden square, in 28x28 pixels: about a stroke's width in MNIST
STRIDE = 2  # overlapping patches, so the map is smooth at half a stroke's resolution


@dataclass(frozen=True)
class Attribution:
    """How much hiding each part of the input lowers the network's belief in its answer."""

    digit: int
    probability: float
    heat: np.ndarray  # float32 (28, 28): drop of P(digit) when hidden; below 0 where hiding helps it
    to_input: np.ndarray | None = None  # the preprocessing's map canvas pixel -> 28x28 pixel

    def on_canvas(self, canvas_size: int) -> np.ndarray:
        """The heat map laid back over the canvas (canvas_size, canvas_size); zeros when not mappable."""
        return self.laid_over(self.to_input, (canvas_size, canvas_size))

    def laid_over(self, to_input: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
        """The heat map laid over a pixel grid of `shape` (height, width) whose pixel -> 28x28 pixel
        affine map is `to_input` (2x3); zeros when there is none."""
        height, width = shape
        if to_input is None:
            return np.zeros((height, width), np.float32)
        # The matrix maps grid -> input, which is what WARP_INVERSE_MAP asks for: no inversion.
        return cv2.warpAffine(self.heat, np.asarray(to_input, np.float64), (width, height),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderValue=0)


@dataclass(frozen=True)
class StrokeEffect:
    """What the network reads once one stroke is taken away."""

    stroke: int
    digit: int | None   # None: nothing is left once this stroke is gone
    probability: float


def occlusion(prepared: MnistInput, predict: Predict, patch: int = PATCH, stride: int = STRIDE) -> Attribution:
    """Slide a blank patch over the inked parts of the input; each pixel gets the mean drop it causes."""
    image = prepared.image
    if prepared.empty:
        return Attribution(-1, 0.0, np.zeros(image.shape, np.float32), prepared.to_input)
    side = image.shape[0]
    starts = list(range(0, side - patch + 1, stride))
    windows = [(top, left) for top in starts for left in starts
               if image[top:top + patch, left:left + patch].any()]  # hiding blank paper changes nothing
    batch = np.repeat(image[None], len(windows) + 1, axis=0)
    for index, (top, left) in enumerate(windows, start=1):
        batch[index, top:top + patch, left:left + patch] = 0
    probabilities = np.asarray(predict(batch), np.float32)
    digit = int(np.argmax(probabilities[0]))
    drops = probabilities[0, digit] - probabilities[1:, digit]
    total = np.zeros(image.shape, np.float32)
    count = np.zeros(image.shape, np.float32)
    for drop, (top, left) in zip(drops, windows):
        total[top:top + patch, left:left + patch] += drop
        count[top:top + patch, left:left + patch] += 1
    heat = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
    return Attribution(digit, float(probabilities[0, digit]), heat, prepared.to_input)


def stroke_effects(strokes: Strokes, brush_width: float, canvas_size: int, predict: Predict) -> list[StrokeEffect]:
    """For each stroke, the network's answer for the drawing without it (one batch for all)."""
    variants = [to_mnist(rasterize([s for j, s in enumerate(strokes) if j != i], brush_width, canvas_size))
                for i in range(len(strokes))]
    drawn = [i for i, variant in enumerate(variants) if not variant.empty]
    probabilities = np.zeros((len(variants), 10), np.float32)
    if drawn:
        probabilities[drawn] = predict(np.stack([variants[i].image for i in drawn]))
    effects = []
    for i, row in enumerate(probabilities):
        digit = int(np.argmax(row)) if i in drawn else None
        effects.append(StrokeEffect(i, digit, float(row[digit]) if digit is not None else 0.0))
    return effects
