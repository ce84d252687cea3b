"""Live predictions while drawing: when to ask the inference worker, and which answers to show.

Every request carries a sequence number; an answer older than what is shown (or from before the
drawing was emptied) is dropped. While the pen moves, requests are throttled: one in flight at a
time, at most one per quarter display frame, and always ending with the newest drawing. Kept apart
from the window so the scheduling can be tested with a stand-in for the worker and no window.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ..drawing import Strokes
from .serving import LIVE_PREDICTION_KINDS, WORKER_STOPPED

# At most one request per quarter display frame (60 Hz), and one in flight at a time: a prediction
# costs ~1 ms of the worker's time (2-3 ms beside the busy UI thread), so each input event is
# answered on its own, not after a throttle's wait. On the issues' 2-core AMD EPYC (5 GUI bench runs
# each) half a frame (8 ms) gave input -> probabilities p95 16.7 ms (22.9 with Show why on); a
# quarter gives 10.4 ms (15.6), with the same longest stalls and ~15% more predictions shown.
LIVE_INTERVAL_MS = 4
IN_FLIGHT_MS = 250  # an answer this late is given up on and the newest drawing asked for again


class LivePredictions(QObject):
    """Schedules the live prediction and thin → thick sweep of one drawing; emits only fresh answers.

    `inference` is the worker's UI-side object (ui.worker.Inference, or a stand-in with the same
    predict / predict_picture / sweep methods and predicted / swept / request_failed signals);
    `drawing` returns the strokes and brush width to predict now.
    """

    requested = Signal(int)                 # seq of a live prediction just asked for
    predicted = Signal(int, object, object)  # seq, 28x28 image the model saw, its confidence.Reading
    swept = Signal(int, object, object)     # seq, widths (W,), probabilities (W, 10)
    emptied = Signal()                      # the drawing is empty: there is nothing to predict

    def __init__(self, inference, drawing: Callable[[], tuple[Strokes, float]], sweep_widths: np.ndarray,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.inference = inference
        self.drawing = drawing
        self.sweep_widths = sweep_widths
        self.min_interval_ms = LIVE_INTERVAL_MS
        self.model_ready = False  # requests wait until a model is loaded
        self.paused = False       # another mode owns the results: nothing is asked for
        self.picture: np.ndarray | None = None  # a picture shown instead of strokes
        self._seq = 0            # last request number handed out
        self._floor = 0          # answers older than this are stale (e.g. from before a clear)
        self._shown_seq = -1
        self._sweep_seq = -1
        self._last_sent = 0.0
        self._in_flight = False  # a live prediction is being computed
        self._pending = False    # the drawing changed since the last request
        self._throttle = QTimer(self, singleShot=True, timeout=self.request_now)
        inference.predicted.connect(self._on_predicted)
        inference.swept.connect(self._on_swept)
        inference.request_failed.connect(self._on_request_failed)

    def drawing_changed(self, complete: bool) -> None:
        """The strokes changed: a finished edit (complete) is predicted and swept at once, a stroke
        under way soon (throttled). Strokes replace a picture."""
        self.picture = None
        if complete:
            self.request_now(sweep=True)
        else:
            self.request_soon()

    def show_picture(self, gray: np.ndarray) -> None:
        """Predict this picture (grey, dark ink or light) instead of the strokes."""
        self.picture = gray
        self.request_now()

    def is_up_to_date(self) -> bool:
        """True when the prediction shown is for the current drawing and brush (nothing pending)."""
        return not self._pending and not self._throttle.isActive() and self._seq in (self._shown_seq, self._floor)

    def request_soon(self) -> None:
        """Throttled: one live prediction at a time, at most one per quarter frame, always ending with the latest."""
        self._pending = True
        waited_ms = (time.perf_counter() - self._last_sent) * 1000
        if self._throttle.isActive() or (self._in_flight and waited_ms < IN_FLIGHT_MS):
            return  # sent when the answer in flight arrives, or when the timer fires
        if waited_ms >= self.min_interval_ms:
            self.request_now()
        else:
            self._throttle.start(int(self.min_interval_ms - waited_ms) + 1)

    def request_now(self, sweep: bool = False) -> None:
        """Ask for the current drawing's prediction now (and its sweep, with `sweep`)."""
        self._throttle.stop()
        if self.paused:
            return
        self._pending = self._in_flight = False
        self._seq += 1
        self._last_sent = time.perf_counter()
        if self.picture is not None:
            if self.model_ready:
                self._send(lambda: self.inference.predict_picture(self._seq, self.picture))
            return
        strokes, brush_width = self.drawing()
        if not strokes:
            self._floor = self._seq  # anything still in flight describes an older drawing
            self.emptied.emit()
            return
        if not self.model_ready:
            return
        self._send(lambda: self.inference.predict(self._seq, strokes, float(brush_width)))
        if sweep:
            self.inference.sweep(self._seq, strokes, self.sweep_widths)

    def _send(self, ask: Callable[[], None]) -> None:
        self._in_flight = True
        self.requested.emit(self._seq)
        ask()

    def _on_predicted(self, seq: int, image: np.ndarray, reading) -> None:
        if seq == self._seq:
            self._in_flight = False
        if self._pending:
            self.request_soon()
        if seq < self._floor or seq <= self._shown_seq or self.paused:
            return  # stale, or asked for before another mode took the results panel
        self._shown_seq = seq
        self.predicted.emit(seq, image, reading)

    def _on_swept(self, seq: int, widths: np.ndarray, probabilities: np.ndarray) -> None:
        if seq < self._floor or seq <= self._sweep_seq or self.picture is not None or self.paused:
            return
        self._sweep_seq = seq
        self.swept.emit(seq, widths, probabilities)

    def _on_request_failed(self, kind: str, _message: str) -> None:
        if kind in LIVE_PREDICTION_KINDS or kind == WORKER_STOPPED:  # not another part's (number mode's, a why view's)
            self._in_flight = False  # the answer will never come: the next change asks again at once
