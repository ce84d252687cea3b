"""A drawing as vector strokes, with undo and redo.

Strokes are kept as point lists in canvas pixels (origin top-left, y down), never as pixels,
so the same drawing can be rendered again at any brush width.
"""
from __future__ import annotations

from typing import Iterable, Sequence

Point = tuple[float, float]
Stroke = tuple[Point, ...]
Strokes = Sequence[Sequence[Point]]


class Drawing:
    """Finished strokes plus the one being drawn; every finished change can be undone."""

    def __init__(self, strokes: Iterable[Iterable[Point]] = ()):
        self._strokes: tuple[Stroke, ...] = tuple(tuple(map(_point, s)) for s in strokes)
        self._current: list[Point] | None = None
        self._undo: list[tuple[Stroke, ...]] = []
        self._redo: list[tuple[Stroke, ...]] = []

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

    def add_point(self, x: float, y: float) -> None:
        """Extend the current stroke; repeated identical points are skipped."""
        if self._current is None:
            self.begin_stroke(x, y)
            return
        point = _point((x, y))
        if point != self._current[-1]:
            self._current.append(point)

    def end_stroke(self) -> None:
        """Finish the current stroke and make it undoable."""
        if self._current is None:
            return
        stroke = tuple(self._current)
        self._current = None
        self._commit(self._strokes + (stroke,))

    def clear(self) -> None:
        """Remove every stroke (undoable)."""
        self._current = None
        if self._strokes:
            self._commit(())

    def undo(self) -> bool:
        """Go back one change; False when there is nothing to undo."""
        self._current = None
        if not self._undo:
            return False
        self._redo.append(self._strokes)
        self._strokes = self._undo.pop()
        return True

    def redo(self) -> bool:
        """Re-apply the last undone change; False when there is nothing to redo."""
        if not self._redo:
            return False
        self._undo.append(self._strokes)
        self._strokes = self._redo.pop()
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def _commit(self, strokes: tuple[Stroke, ...]) -> None:
        self._undo.append(self._strokes)
        self._redo.clear()
        self._strokes = strokes


def _point(p: Sequence[float]) -> Point:
    return (float(p[0]), float(p[1]))
