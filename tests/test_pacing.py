"""Repaint pacing: requests within a frame are gathered into one repaint; a lone request is not delayed."""
from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from mnist_pad.ui.pacing import FRAME_MS, FramePacer


class Recorder(QWidget):
    def __init__(self):
        super().__init__()
        self.resize(100, 100)
        self.updates = []

    def update(self, region=None):
        super().update(region)  # raises RuntimeError once the C++ widget is gone
        self.updates.append(region.boundingRect())


def test_requests_within_a_frame_become_one_repaint(qtbot):
    pacer, canvas, bars = FramePacer(), Recorder(), Recorder()
    pacer.request(canvas, QRect(0, 0, 10, 10))
    assert len(canvas.updates) == 1, "after a quiet spell the first request goes through at once"
    for x in range(10, 60, 10):  # a stroke's segments and a prediction, all within the next frame
        pacer.request(canvas, QRect(x, 0, 10, 10))
    pacer.request(bars)
    assert len(canvas.updates) == 1 and bars.updates == []
    qtbot.waitUntil(lambda: len(canvas.updates) == 2, timeout=FRAME_MS * 10)
    assert canvas.updates[1] == QRect(10, 0, 50, 10)  # the segments' union, once
    assert bars.updates == [QRect(0, 0, 100, 100)]     # flushed together with the canvas
    qtbot.wait(FRAME_MS * 3)
    assert len(canvas.updates) == 2, "nothing is repainted twice"


def test_a_deleted_widget_is_skipped(qtbot):
    pacer, gone, kept = FramePacer(), Recorder(), Recorder()
    pacer.flush()
    pacer.request(gone)
    pacer.request(kept)
    gone.deleteLater()
    qtbot.wait(FRAME_MS * 3)
    assert len(kept.updates) == 1 and gone.updates == []
