"""The one rasterizer: vector strokes at a brush width -> a square canvas image.

Every pixel the model sees comes from here (the GUI may paint with QPainter for looks only).
"""
from __future__ import annotations

import numbers
from typing import Callable

import cv2
import numpy as np

from .drawing import Strokes

# Sub-pixel precision for OpenCV's drawing: coordinates are fixed point with this many bits.
_SHIFT = 4
SUBPIXELS = 1 << _SHIFT  # OpenCV draws each point at the nearest 1/SUBPIXELS of a pixel
# Bounds on what a caller or a file can ask for: a 4096 px canvas is 16 MB of pixels; OpenCV's
# thickness stops at 32767, and no brush wider than the largest canvas draws anything new.
MAX_CANVAS = 4096
# The drawing canvas: the app's, the corrections', and the one training and evaluation render pen
# digits on (~200 px tall in it); MNIST's 20 px box is a tenth of that.
CANVAS_SIZE = 280
MAX_BRUSH = 4096.0
MAX_STROKES = 100_000
MAX_POINTS = 2_000_000  # in all strokes together


class StrokeError(ValueError):
    """Strokes that cannot be rendered (wrong shape or types)."""


def stroke_arrays(strokes: Strokes, canvas_size: int) -> list[np.ndarray]:
    """Strokes as float arrays (K, 2): non-finite points dropped, others clipped to the canvas."""
    arrays, total = [], 0
    for index, stroke in enumerate(strokes):
        if index >= MAX_STROKES:
            raise StrokeError(f"a drawing has at most {MAX_STROKES:,} strokes")
        try:
            points = np.asarray(stroke)
        except (TypeError, ValueError) as error:
            raise StrokeError(f"stroke {index} is not a list of (x, y) numbers: {error}") from None
        if points.size == 0:
            continue
        if points.dtype.kind not in "iuf":  # complex would silently lose its imaginary part, objects fail later
            raise StrokeError(f"stroke {index} must hold real (x, y) numbers, got {points.dtype} values")
        if points.ndim != 2 or points.shape[1] != 2:
            raise StrokeError(f"stroke {index} must be a list of (x, y) points, got shape {points.shape}")
        total += len(points)
        if total > MAX_POINTS:
            raise StrokeError(f"a drawing has at most {MAX_POINTS:,} points in all")
        points = points.astype(np.float64)
        points = points[np.isfinite(points).all(axis=1)]
        if len(points):
            arrays.append(np.clip(points, 0.0, float(canvas_size)))
    return arrays


def rasterize(strokes: Strokes, brush_width: float, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
    """Render strokes as white ink on black, uint8 (canvas_size, canvas_size).

    Round caps and joins, anti-aliased; a stroke of one point is a round dot of the brush's
    diameter. Non-finite points are dropped and points outside the canvas are clipped to it.
    """
    return renderer(strokes, canvas_size)(brush_width)


def renderer(strokes: Strokes, canvas_size: int = CANVAS_SIZE) -> Callable[[float], np.ndarray]:
    """rasterize for these strokes at any brush width: the strokes are checked and converted once
    (a sweep renders the same drawing at many widths)."""
    canvas_size = check_canvas_size(canvas_size)
    shapes = []  # (fixed-point points, is a dot)
    for points in stroke_arrays(strokes, canvas_size):
        fixed = np.round(points * SUBPIXELS).astype(np.int32)
        shapes.append((fixed.reshape(-1, 1, 2), is_dot(fixed)))

    def render(brush_width: float) -> np.ndarray:
        check_brush_width(brush_width)
        canvas = np.zeros((canvas_size, canvas_size), np.uint8)
        thickness = max(1, int(round(brush_width)))
        radius = int(round(brush_width / 2 * SUBPIXELS))
        for fixed, dot in shapes:
            if dot:
                cv2.circle(canvas, tuple(int(v) for v in fixed[0, 0]), max(radius, SUBPIXELS // 2), 255, -1, cv2.LINE_AA, _SHIFT)
            else:
                cv2.polylines(canvas, [fixed], False, 255, thickness, cv2.LINE_AA, _SHIFT)
        return canvas

    return render


def is_dot(points: np.ndarray) -> bool:
    """Whether a stroke's points (K, 2), as drawn, are one place: OpenCV draws it as a round dot."""
    return len(points) == 1 or bool((points == points[0]).all())


def check_canvas_size(canvas_size: object) -> int:
    """The canvas side as an int from 1 to MAX_CANVAS; StrokeError naming the bound otherwise."""
    if isinstance(canvas_size, bool) or not isinstance(canvas_size, numbers.Real) or not float(canvas_size).is_integer():
        raise StrokeError(f"canvas_size must be a whole number of pixels, got {canvas_size!r:.40}")
    if not 1 <= canvas_size <= MAX_CANVAS:
        raise StrokeError(f"canvas_size must be from 1 to {MAX_CANVAS} pixels, got {canvas_size}")
    return int(canvas_size)


def check_brush_width(brush_width: object) -> float:
    """The brush width as a float above 0 and at most MAX_BRUSH; StrokeError naming the bound otherwise."""
    if isinstance(brush_width, bool) or not isinstance(brush_width, numbers.Real):
        raise StrokeError(f"brush_width must be a number of pixels, got {brush_width!r:.40}")
    if not (np.isfinite(brush_width) and 0 < brush_width <= MAX_BRUSH):
        raise StrokeError(f"brush_width must be above 0 and at most {MAX_BRUSH:g} pixels, got {brush_width}")
    return float(brush_width)
