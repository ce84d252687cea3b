"""A drawing as vector strokes, with undo and redo.

Strokes are kept as point lists in canvas pixels (origin top-left, y down), never as pixels,
so the same drawing can be rendered again at any brush width.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

Point = tuple[float, float]
Stroke = tuple[Point, ...]
Strokes = Sequence[Sequence[Point]]

# How far the canvas lets a stroke stray from the points the mouse or pen gives, in screen pixels (the
# mouse's own rounding is half of one). Half a pixel left a slow mouse's staircase of one-pixel steps in
# the stroke: two such strokes cost Qt 21-79 ms to paint on an 800 px canvas at 4-40 px brushes, at one
# pixel 1-2 ms; the shipped model's answers on 2,100 pen-digit images drawn that way did not change.
SCREEN_TOLERANCE = 1.0
# With a tolerance, a stroke's straight run replaces its end point at most this many times before the end
# is kept (each new point is checked against every point the run passed through), and its segment grows
# to at most RUN_REACH tolerances long (the canvas repaints the segment whole each time its end moves on:
# a fast mouse's sparse points would otherwise stretch one across the canvas).
MAX_RUN = 48
RUN_REACH = 32


class Drawing:
    """Finished strokes plus the one being drawn; every finished change can be undone.

    The undo history keeps operations, not snapshots: a stroke added, or the strokes a Clear
    removed. Its memory grows with the strokes drawn, not with their square.
    """

    def __init__(self, strokes: Iterable[Iterable[Point]] = ()):
        self._strokes: tuple[Stroke, ...] = tuple(tuple(map(_point, s)) for s in strokes)
        self._current: list[Point] | None = None
        self._passed: list[Point] = []  # the points given since the current stroke's last kept turn
        self._undo: list[Change] = []
        self._redo: list[Change] = []

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        """An immutable snapshot of all strokes, the one being drawn included."""
        if self._current:
            return self._strokes + (tuple(self._current),)
        return self._strokes

    def is_empty(self) -> bool:
        """True when there is nothing to recognise."""
        return not self._strokes and not self._current

    @property
    def drawing_stroke(self) -> bool:
        """True between begin_stroke and end_stroke."""
        return self._current is not None

    def begin_stroke(self, x: float, y: float) -> None:
        """Start a new stroke at (x, y); an unfinished stroke is finished first."""
        if self._current is not None:
            self.end_stroke()
        self._current = [_point((x, y))]
        self._passed = []

    def add_point(self, x: float, y: float, tolerance: float = 0.0) -> None:
        """Extend the current stroke; repeated identical points are skipped.

        With a `tolerance` (canvas pixels), a point that continues a straight run replaces the stroke's end
        instead of adding to it, as long as every point given since the stroke's last turn stays within
        `tolerance` of the segment from that turn to the new point (at most MAX_RUN points and RUN_REACH
        tolerances long). The stroke then never strays further than that from any point given, in far fewer
        points: a mouse moved slowly over a large canvas gives one every third of a canvas pixel, and each
        costs a round join to render and to paint.
        """
        if self._current is None:
            self.begin_stroke(x, y)
            return
        point = _point((x, y))
        current = self._current
        if point == current[-1]:
            return
        if tolerance > 0 and len(current) >= 2 and len(self._passed) < MAX_RUN \
                and math.dist(current[-2], point) <= RUN_REACH * tolerance \
                and all(_segment_distance(p, current[-2], point) <= tolerance for p in self._passed):
            current[-1] = point
            self._passed.append(point)
        else:
            current.append(point)
            self._passed = [point]

    def end_stroke(self) -> None:
        """Finish the current stroke and make it undoable."""
        if self._current is None:
            return
        stroke = tuple(self._current)
        self._current = None
        self._do(Change(added=stroke))

    def clear(self) -> None:
        """Remove every stroke (undoable)."""
        self._current = None
        if self._strokes:
            self._do(Change(cleared=self._strokes))

    def undo(self) -> bool:
        """Go back one change; False when there is nothing to undo."""
        self._current = None
        if not self._undo:
            return False
        change = self._undo.pop()
        self._strokes = self._strokes[:-1] if change.added is not None else change.cleared
        self._redo.append(change)
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change; False when there is nothing to redo."""
        if not self._redo:
            return False
        change = self._redo.pop()
        self._apply(change)
        self._undo.append(change)
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_depth(self) -> int:
        """How many changes Undo can go back: names a point in the history."""
        return len(self._undo)

    def _do(self, change: Change) -> None:
        self._apply(change)
        self._undo.append(change)
        self._redo.clear()

    def _apply(self, change: Change) -> None:
        self._strokes = self._strokes + (change.added,) if change.added is not None else ()


@dataclass(frozen=True)
class Change:
    """One undoable change: a stroke added, or the strokes a Clear removed."""

    added: Stroke | None = None
    cleared: tuple[Stroke, ...] = ()


def _point(p: Sequence[float]) -> Point:
    return (float(p[0]), float(p[1]))


def _segment_distance(point: Point, start: Point, end: Point) -> float:
    """How far `point` lies from the segment start-end (not its line: a stroke may double back)."""
    ax, ay = end[0] - start[0], end[1] - start[1]
    px, py = point[0] - start[0], point[1] - start[1]
    length2 = ax * ax + ay * ay
    t = min(1.0, max(0.0, (px * ax + py * ay) / length2)) if length2 > 0 else 0.0
    return math.hypot(px - t * ax, py - t * ay)
