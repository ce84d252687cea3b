"""Drawings that are not digits, as strokes: letters, symbols, scribbles, crossed-out digits, spirals, blobs.

Deterministic for a seed: the evaluation set uses EVAL_SEED, the detector's training set TRAIN_SEED,
so the detector is never scored on a drawing it was trained on. Each shape is jittered (per-point
wobble, rotation, shear, aspect) like a hand would, then fitted on the canvas like a pen digit.

Letters come from a simple stroke font (unit box, y down). Letters that are drawn like digits
(O, I, l, S, Z, B, G, b, g, q) are left out: no reader can tell them from 0, 1, 5, 2, 8, 6, 9.
"""
from __future__ import annotations

import numpy as np

from mnist_pad.pendigits import PenDigit

EVAL_SEED, TRAIN_SEED = 0, 1
CATEGORIES = ("letter", "symbol", "scribble", "crossed_out", "spiral", "blob")


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, end: float, n: int = 16) -> list[tuple[float, float]]:
    angles = np.radians(np.linspace(start, end, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# Each glyph: strokes of (x, y) points in a unit box, y down; degrees run clockwise from +x on screen.
LETTERS: dict[str, list[list[tuple[float, float]]]] = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.25, 0.55), (0.75, 0.55)]],
    "C": [_arc(0.55, 0.5, 0.45, 0.5, -50, -310)],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.7, 0.5)]],
    "F": [[(1, 0), (0, 0), (0, 1)], [(0, 0.5), (0.7, 0.5)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(1, 0), (0, 0.55), (1, 1)]],
    "M": [[(0, 1), (0, 0), (0.5, 0.6), (1, 0), (1, 1)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "P": [[(0, 1), (0, 0)] + _arc(0.3, 0.27, 0.6, 0.27, -90, 90) + [(0, 0.54)]],
    "R": [[(0, 1), (0, 0)] + _arc(0.3, 0.27, 0.6, 0.27, -90, 90) + [(0, 0.54), (0.9, 1)]],
    "T": [[(0, 0), (1, 0)], [(0.5, 0), (0.5, 1)]],
    "U": [[(0, 0)] + _arc(0.5, 0.55, 0.5, 0.45, 180, 0) + [(1, 0)]],
    "V": [[(0, 0), (0.5, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.35), (0.75, 1), (1, 0)]],
    "X": [[(0, 0), (1, 1)], [(1, 0), (0, 1)]],
    "Y": [[(0, 0), (0.5, 0.5), (1, 0)], [(0.5, 0.5), (0.5, 1)]],
    "e": [[(0.05, 0.55), (0.95, 0.55)] + _arc(0.5, 0.55, 0.45, 0.45, 0, -320)],
    "h": [[(0, 0), (0, 1)], [(0, 0.6)] + _arc(0.45, 0.65, 0.45, 0.3, 180, 360) + [(0.9, 1)]],
    "k": [[(0, 0), (0, 1)], [(0.8, 0.4), (0, 0.75), (0.8, 1)]],
    "m": [[(0, 1), (0, 0.4)] + _arc(0.25, 0.5, 0.25, 0.2, 180, 360) + [(0.5, 1)],
          [(0.5, 0.5)] + _arc(0.75, 0.5, 0.25, 0.2, 180, 360) + [(1, 1)]],
    "r": [[(0, 1), (0, 0.3)], [(0, 0.55)] + _arc(0.45, 0.55, 0.45, 0.25, 180, 300)],
    "w": [[(0, 0.3), (0.25, 1), (0.5, 0.5), (0.75, 1), (1, 0.3)]],
    "x": [[(0, 0.3), (1, 1)], [(1, 0.3), (0, 1)]],
}

SYMBOLS: dict[str, list[list[tuple[float, float]]]] = {
    "+": [[(0.5, 0), (0.5, 1)], [(0, 0.5), (1, 0.5)]],
    "=": [[(0, 0.3), (1, 0.3)], [(0, 0.7), (1, 0.7)]],
    "#": [[(0.35, 0), (0.25, 1)], [(0.75, 0), (0.65, 1)], [(0, 0.33), (1, 0.33)], [(0, 0.67), (1, 0.67)]],
    "@": [_arc(0.5, 0.5, 0.18, 0.22, 0, 360) + [(0.68, 0.75)] + _arc(0.5, 0.5, 0.5, 0.5, 50, -270, 28)],
    "&": [[(0.9, 1), (0.2, 0.4)] + _arc(0.4, 0.2, 0.2, 0.2, 150, -150) + [(0.2, 0.65)]
          + _arc(0.35, 0.75, 0.25, 0.25, 180, 60) + [(0.9, 0.5)]],
    "?": [_arc(0.5, 0.25, 0.4, 0.25, 180, 420) + [(0.5, 0.7)], [(0.5, 0.95), (0.5, 1.0)]],
    "%": [[(1, 0), (0, 1)], _arc(0.15, 0.15, 0.15, 0.15, 0, 360), _arc(0.85, 0.85, 0.15, 0.15, 0, 360)],
    "*": [[(0.5, 0), (0.5, 1)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "!": [[(0.5, 0), (0.5, 0.7)], [(0.5, 0.95), (0.5, 1.0)]],
    "$": [_arc(0.5, 0.3, 0.4, 0.22, -30, -270) + _arc(0.5, 0.72, 0.4, 0.22, -90, 150), [(0.5, -0.1), (0.5, 1.1)]],
}


def generate(count: int, seed: int, digits: list[PenDigit], canvas_size: int = 280) -> list[tuple[str, list[np.ndarray]]]:
    """`count` non-digit drawings as (category, strokes on the canvas), the categories in turn.

    `digits` are the pen digits to cross out: those of held-out writers for evaluation, of
    training writers for training the detector.
    """
    rng = np.random.default_rng(seed)
    makers = {
        "letter": lambda: _glyph(LETTERS[rng.choice(list(LETTERS))], rng),
        "symbol": lambda: _glyph(SYMBOLS[rng.choice(list(SYMBOLS))], rng),
        "scribble": lambda: _scribble(rng),
        "crossed_out": lambda: _crossed_out(digits[rng.integers(len(digits))], rng),
        "spiral": lambda: _spiral(rng),
        "blob": lambda: _blob(rng),
    }
    drawings = []
    for index in range(count):
        category = CATEGORIES[index % len(CATEGORIES)]
        drawings.append((category, _fit(makers[category](), canvas_size, rng)))
    return drawings


def _jitter(strokes: list[np.ndarray], rng: np.random.Generator, wobble: float = 0.03) -> list[np.ndarray]:
    """A hand's version of ideal strokes: rotated, sheared, stretched, every point wobbling smoothly."""
    angle = np.radians(rng.uniform(-15, 15))
    shear, aspect = rng.uniform(-0.25, 0.25), rng.uniform(0.7, 1.3)
    matrix = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array([[aspect, shear], [0, 1]])
    result = []
    for stroke in strokes:
        dense = _resample(np.asarray(stroke, np.float64), 0.02)
        noise = np.cumsum(rng.normal(0, wobble / 3, dense.shape), axis=0)
        noise -= np.linspace(0, 1, len(dense))[:, None] * noise[-1]  # wobble, do not drift off the shape
        result.append((dense + noise) @ matrix.T)
    return result


def _resample(points: np.ndarray, spacing: float) -> np.ndarray:
    """Points along a polyline every `spacing` units (the ends kept)."""
    if len(points) < 2:
        return points
    lengths = np.r_[0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]
    if lengths[-1] == 0:
        return points[:1]
    at = np.linspace(0, lengths[-1], max(2, int(lengths[-1] / spacing) + 1))
    return np.column_stack([np.interp(at, lengths, points[:, 0]), np.interp(at, lengths, points[:, 1])])


def _glyph(strokes: list, rng: np.random.Generator) -> list[np.ndarray]:
    return _jitter([np.asarray(s, np.float64) for s in strokes], rng)


def _scribble(rng: np.random.Generator) -> list[np.ndarray]:
    """A random smooth path with many turns, in one to three strokes."""
    strokes = []
    for _ in range(rng.integers(1, 4)):
        heading, speed = rng.uniform(0, 2 * np.pi), 0.04
        point, points = rng.uniform(0.2, 0.8, 2), []
        for _ in range(rng.integers(40, 120)):
            heading += rng.normal(0, 0.6)
            point = np.clip(point + speed * np.array([np.cos(heading), np.sin(heading)]), 0, 1)
            points.append(point.copy())
        strokes.append(np.array(points))
    return strokes


def _crossed_out(digit: PenDigit, rng: np.random.Generator) -> list[np.ndarray]:
    """A pen digit with a strong stroke through it: a diagonal, a horizontal strike, or an X."""
    strokes = [np.asarray(s, np.float64) for s in digit.strokes]
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    # The strike spans at least 70% of the digit's height across, so a crossed-out 1 is a cross, not a 1.
    centre, half = (low + high) / 2, np.maximum((high - low) / 2, 0.35 * (high - low).max())
    low, high = centre - half, centre + half
    size = high - low
    kind = rng.integers(3)
    margin = rng.uniform(-0.1, 0.15, 4) * np.r_[size, size]
    if kind == 0:
        lines = [[low - margin[:2], high + margin[2:]]] if rng.random() < 0.5 else \
                [[(low[0] - margin[0], high[1] + margin[1]), (high[0] + margin[2], low[1] - margin[3])]]
    elif kind == 1:
        y = low[1] + size[1] * rng.uniform(0.3, 0.7)
        lines = [[(low[0] - margin[0], y), (high[0] + margin[2], y + size[1] * rng.uniform(-0.1, 0.1))]]
    else:
        lines = [[low, high], [(low[0], high[1]), (high[0], low[1])]]
    return strokes + [_resample(np.asarray(line, np.float64), 2.0) for line in lines]


def _spiral(rng: np.random.Generator) -> list[np.ndarray]:
    turns = rng.uniform(2.0, 4.0)
    angle = np.linspace(0, 2 * np.pi * turns, 200) * rng.choice([-1, 1])
    radius = np.linspace(0.05, 0.5, 200)
    return _jitter([np.column_stack([0.5 + radius * np.cos(angle), 0.5 + radius * np.sin(angle)])], rng, 0.01)


def _blob(rng: np.random.Generator) -> list[np.ndarray]:
    """A filled shape: a dense zig-zag coloring in an ellipse."""
    rx, ry = rng.uniform(0.25, 0.5, 2)
    rows = rng.integers(8, 16)
    points = []
    for i, y in enumerate(np.linspace(-ry, ry, rows)):
        half = rx * np.sqrt(max(0.0, 1 - (y / ry) ** 2))
        points += [(-half, y), (half, y)] if i % 2 == 0 else [(half, y), (-half, y)]
    return _jitter([np.array(points) + 0.5], rng, 0.01)


def _fit(strokes: list[np.ndarray], canvas_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Scaled so the longer side is 120-220 px, centred on the canvas, like a pen digit."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = rng.uniform(120, 220) / max(float((high - low).max()), 1e-6)
    centre = (low + high) / 2
    return [(s - centre) * scale + canvas_size / 2 for s in strokes]
