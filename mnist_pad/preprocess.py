"""MNIST-faithful preprocessing: any ink image -> the centred 28x28 the model sees.

The MNIST recipe: crop to the ink, scale the longer side to 20 px keeping the aspect ratio
(area resampling), then place the digit in 28x28 with its centre of mass at the centre.
One addition: the ink is stretched to full intensity after the downscale, because a thin
brush shrinks to a faint trace that MNIST's full-strength strokes never look like.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Bump when the pixels produced here change: model cards record the version they were trained on.
PREPROCESS_VERSION = 2
SIZE = 28
BOX = 20
CENTRE = 14.0  # centre of mass in pixel-index coordinates, as scipy.ndimage.center_of_mass counts
INK_THRESHOLD = 8  # canvas pixels at or below this count as background


@dataclass(frozen=True)
class MnistInput:
    """The 28x28 image the model sees: uint8, white ink on black; `empty` when nothing is drawn.

    `to_input` is the 2x3 affine matrix to_mnist applied (crop, scale, shift): ink-image pixel
    (x, y) -> 28x28 pixel; None when unknown (empty, or made some other way).
    """

    image: np.ndarray
    to_input: np.ndarray | None = None

    @property
    def empty(self) -> bool:
        return not self.image.any()

    def as_float(self) -> np.ndarray:
        """The model's input for this image: float32 (28, 28) in [0, 1]."""
        return self.image.astype(np.float32) / 255.0


EMPTY = MnistInput(np.zeros((SIZE, SIZE), np.uint8))


def to_mnist(ink: np.ndarray) -> MnistInput:
    """Centre an ink image (uint8, white on black, any size) the MNIST way."""
    if ink.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {ink.shape}")
    if ink.dtype != np.uint8:
        ink = np.clip(ink, 0, 255).astype(np.uint8)
    _, mask = cv2.threshold(ink, INK_THRESHOLD, 255, cv2.THRESH_BINARY)
    x, y, width, height = cv2.boundingRect(mask)
    if width == 0 or height == 0:
        return EMPTY
    crop = ink[y : y + height, x : x + width]
    scale = BOX / max(width, height)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    digit = cv2.resize(crop, new_size, interpolation=interpolation).astype(np.float32)
    peak = digit.max()
    if peak <= 0:
        return EMPTY
    digit *= 255.0 / peak
    centre_x, centre_y = centre_of_mass(digit)
    shift = np.float32([[1, 0, CENTRE - centre_x], [0, 1, CENTRE - centre_y]])
    placed = cv2.warpAffine(digit, shift, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderValue=0)
    return MnistInput(np.clip(placed + 0.5, 0, 255).astype(np.uint8),
                      _ink_to_input(x, y, new_size[0] / width, new_size[1] / height, shift[:, 2]))


def _ink_to_input(left: int, top: int, scale_x: float, scale_y: float, shift: np.ndarray) -> np.ndarray:
    """The affine map ink pixel -> 28x28 pixel: crop at (left, top), resize, then shift."""
    # cv2.resize maps pixel centres: output u samples input (u + 0.5) / scale - 0.5.
    return np.array([[scale_x, 0.0, scale_x * (0.5 - left) - 0.5 + float(shift[0])],
                     [0.0, scale_y, scale_y * (0.5 - top) - 0.5 + float(shift[1])]])


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(x, y) centre of mass of an image in pixel-index coordinates."""
    # Not cv2.moments: it reads a one-column or one-row array as a point list (area 0), so a
    # straight vertical "1" that shrinks to 1 px wide would divide by zero.
    image = np.asarray(image, np.float64)
    total = image.sum()
    if total == 0:
        return (float("nan"), float("nan"))
    return (float(image.sum(axis=0) @ np.arange(image.shape[1]) / total),
            float(image.sum(axis=1) @ np.arange(image.shape[0]) / total))
