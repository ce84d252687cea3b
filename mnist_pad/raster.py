"""The one rasterizer: vector strokes at a brush width -> a square canvas image.

Every pixel the model sees comes from here (the GUI may paint with QPainter for looks only).
"""
from __future__ import annotations

import cv2
import numpy as np

from .drawing import Strokes

# Sub-pixel precision for OpenCV's drawing: coordinates are fixed point with this many bits.
_SHIFT = 4
_SCALE = 1 << _SHIFT


class StrokeError(ValueError):
    """Strokes that cannot be rendered (wrong shape or types)."""


def stroke_arrays(strokes: Strokes, canvas_size: int) -> list[np.ndarray]:
    """Strokes as float arrays (K, 2): non-finite points dropped, others clipped to the canvas."""
    arrays = []
    for index, stroke in enumerate(strokes):
        try:
            points = np.asarray(stroke, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise StrokeError(f"stroke {index} is not a list of (x, y) numbers: {error}") from None
        if points.size == 0:
            continue
        if points.ndim != 2 or points.shape[1] != 2:
            raise StrokeError(f"stroke {index} must be a list of (x, y) points, got shape {points.shape}")
        points = points[np.isfinite(points).all(axis=1)]
        if len(points):
            arrays.append(np.clip(points, 0.0, float(canvas_size)))
    return arrays


def rasterize(strokes: Strokes, brush_width: float, canvas_size: int = 280) -> np.ndarray:
    """Render strokes as white ink on black, uint8 (canvas_size, canvas_size).

    Round caps and joins, anti-aliased; a stroke of one point is a round dot of the brush's
    diameter. Non-finite points are dropped and points outside the canvas are clipped to it.
    """
    canvas_size = int(canvas_size)
    if canvas_size < 1:
        raise StrokeError(f"canvas_size must be at least 1 pixel, got {canvas_size}")
    if not np.isfinite(brush_width) or brush_width <= 0:
        raise StrokeError(f"brush_width must be a positive number of pixels, got {brush_width}")
    canvas = np.zeros((canvas_size, canvas_size), np.uint8)
    thickness = max(1, int(round(brush_width)))
    radius = int(round(brush_width / 2 * _SCALE))
    for points in stroke_arrays(strokes, canvas_size):
        fixed = np.round(points * _SCALE).astype(np.int32)
        if len(fixed) == 1 or (fixed == fixed[0]).all():
            cv2.circle(canvas, tuple(int(v) for v in fixed[0]), max(radius, _SCALE // 2), 255, -1, cv2.LINE_AA, _SHIFT)
        else:
            cv2.polylines(canvas, [fixed.reshape(-1, 1, 2)], False, 255, thickness, cv2.LINE_AA, _SHIFT)
    return canvas
