"""Repaints paced to the display's frame: while drawing, at most one window repaint per 16 ms.

Mouse moves (~125 a second) and predictions (~100 a second) each used to repaint the window on their
own: over 200 repaints a second, of which a 60 Hz screen shows 60. `update_paced(widget, rect)` is
`widget.update(rect)` except that requests made within a frame of the last flush are gathered and
flushed together when the frame is up, so each frame costs one repaint. A request after a quiet
spell flushes at once, so a single change is never delayed.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QRect, Qt, QTimer
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QWidget

FRAME_MS = 16


class FramePacer(QObject):
    """Gathers repaint requests and hands them to Qt at most once per frame."""

    def __init__(self):
        super().__init__()
        self._pending: dict[QWidget, QRegion] = {}
        self._last_flush = float("-inf")
        self._timer = QTimer(self, singleShot=True, timerType=Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.flush)

    def request(self, widget: QWidget, rect: QRect | None = None) -> None:
        """Repaint `rect` of `widget` (all of it when None) by the end of the current frame."""
        region = self._pending.get(widget, QRegion())
        self._pending[widget] = region.united(QRegion(rect if rect is not None else widget.rect()))
        if self._timer.isActive():
            return
        wait_ms = FRAME_MS - (time.perf_counter() - self._last_flush) * 1000
        if wait_ms <= 0:
            self.flush()
        else:
            self._timer.start(max(1, int(wait_ms)))

    def flush(self) -> None:
        """Hand every gathered request to Qt now (they are painted together in its next repaint)."""
        self._last_flush = time.perf_counter()
        pending, self._pending = self._pending, {}
        for widget, region in pending.items():
            try:
                widget.update(region)
            except RuntimeError:  # the widget was deleted meanwhile
                pass


_pacer: FramePacer | None = None


def update_paced(widget: QWidget, rect: QRect | None = None) -> None:
    """`widget.update(rect)`, paced with every other paced repaint of the process to one per frame."""
    global _pacer
    if _pacer is None:
        _pacer = FramePacer()
    _pacer.request(widget, rect)
