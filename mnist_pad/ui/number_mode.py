"""Number mode: write several digits on a wider canvas and read them as one number.

Attached to the main window like Learning: a "Number" toggle under the canvas swaps in the wider
NumberCanvas. Readings come from the window's inference worker, through request kinds and answers of
their own (read_number / number_read, number_sweep / number_swept), so the window's single-digit
requests and results never mix with these. The results panel, the
thin → thick sweep and "Wrong? It was a …" follow the selected digit.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QWidget

from .. import confidence
from ..numbers import NumberReading, kept_boundaries, placed
from .canvas import CANVAS_SIZE
from .number_canvas import NUMBER_CANVAS, NumberCanvas
from .qimages import gray_image
from .serving import NUMBER_KINDS
from .worker import Inference


class NumberMode(QObject):
    """The Number toggle and its canvas, for one main window."""

    reading_shown = Signal(object)  # the NumberReading now on screen

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.canvas = NumberCanvas()
        self.inference: Inference | None = None
        self.reading: NumberReading | None = None
        self.boundaries: tuple[float, ...] | None = None  # None: grouped automatically
        self._by_hand: tuple[float, ...] | None = None  # the dividers the user set, and...
        self._regrouped_on: tuple = ()  # ...the strokes they were set on
        self.selected = 0
        self._seq = self._sweep_seq = 0
        self.toggle = QPushButton("Number", checkable=True, objectName="numberMode")
        self.toggle.setToolTip("Write a whole number on a wider sheet; each digit is read and boxed")
        self.toggle.toggled.connect(self.set_active)
        self.text = QLabel(objectName="numberText")
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.toggle)
        layout.addWidget(self.text, 1)
        window.add_under_canvas(row)
        self.canvas.hide()
        self.canvas.set_brush_width(window.brush_width)
        self.canvas.strokes_changed.connect(self._on_strokes_changed)
        self.canvas.wheel_steps.connect(lambda steps: window.set_brush_width(window.brush_width + 2 * steps))
        self.canvas.digit_selected.connect(self.select)
        self.canvas.boundaries_edited.connect(self.regroup)
        window.brush_slider.valueChanged.connect(self._on_width_changed)

    @property
    def active(self) -> bool:
        return self.toggle.isChecked()

    def set_active(self, active: bool) -> None:
        """Switch between the digit canvas and the number canvas (the toggle calls this)."""
        if self.toggle.isChecked() != active:
            self.toggle.setChecked(active)  # comes back here through toggled
            return
        learning = self.window.learning
        if active:
            self._connect_worker()
            learning.strokes_to_correct = self.selected_strokes
            self.canvas.set_brush_width(self.window.brush_width)
            self.window.use_canvas(self.canvas)
            picture = self.window.canvas.picture_pixels
            if picture is not None and self.canvas.is_empty() and self.canvas.picture is None:
                self.show_picture(picture)  # a picture of several digits opened as one: read it here
            else:
                self.request()
        else:
            learning.strokes_to_correct = self.window.canvas.strokes
            self.text.clear()
            self.window.use_canvas(self.window.canvas)
        learning.sync_bar()  # a picture on the digit canvas blocks corrections only while it is shown

    def show_picture(self, gray: np.ndarray) -> None:
        """Read a picture (an opened file, grey) as a number on this canvas: drawing replaces it, Undo brings it back."""
        self.canvas.set_picture(gray_image(gray), gray)
        self.boundaries = self._by_hand = None
        self._regrouped_on = ()
        self.request()

    def select(self, index: int) -> None:
        """Show digit `index` in the results panel and sweep it; corrections then apply to it."""
        if self.reading is None or not 0 <= index < len(self.reading.digits):
            return
        self.selected = index
        self.canvas.selected = index
        self.canvas.update()
        digit = self.reading.digits[index]
        self.window.results.show_result(digit.image, confidence.read(digit.probabilities, digit.not_a_digit_probability))
        if self.canvas.picture is not None:
            self.window.chart.clear_sweep("the sweep needs strokes: draw to see it")
            return
        self._sweep_seq += 1
        slider = self.window.brush_slider
        widths = np.arange(slider.minimum(), slider.maximum() + 1, 2, dtype=float)
        self.inference.number_sweep(self._sweep_seq, self.selected_strokes(), widths)

    def regroup(self, boundaries: tuple[float, ...]) -> None:
        """Read the drawing again with these dividers between digits (set by hand)."""
        if self.canvas.picture is not None:
            self.window.statusBar().showMessage("Dividers regroup drawn strokes: a picture's digits are found "
                                                "in its ink. Crop the picture, or draw the number.", 6000)
            return
        self.boundaries = self._by_hand = tuple(boundaries)
        self._regrouped_on = self.canvas.strokes()
        self.request()

    def selected_strokes(self) -> tuple[tuple[tuple[float, float], ...], ...]:
        """The selected digit's ink, moved to the middle of a digit canvas (for sweeps and corrections)."""
        if self.reading is None or not self.reading.digits:
            return ()
        digit = self.reading.digits[min(self.selected, len(self.reading.digits) - 1)]
        left, top, right, bottom = digit.box
        offset = np.array([CANVAS_SIZE / 2 - (left + right) / 2, CANVAS_SIZE / 2 - (top + bottom) / 2])
        return tuple(tuple(map(tuple, (piece + offset).tolist())) for piece in digit.pieces)

    def request(self) -> None:
        """Ask the worker to read the drawing as it is now (the newest request wins)."""
        self._seq += 1
        if self.canvas.picture_pixels is not None:
            if self.inference is not None:
                self.inference.read_picture_number(self._seq, self.canvas.picture_pixels)
            return
        strokes = self.canvas.strokes()
        if not strokes:
            self._show(None)
            return
        if self.inference is not None:
            self.inference.read_number(self._seq, strokes, float(self.window.brush_width), NUMBER_CANVAS, self.boundaries)

    # -- worker and results -----------------------------------------------------------------
    def _connect_worker(self) -> None:
        """Listen to the window's inference worker, the first time the mode is used."""
        if self.inference is not None:
            return
        self.inference = self.window.inference
        self.inference.number_read.connect(self._on_read)
        self.inference.number_swept.connect(self._on_swept)
        self.inference.model_loaded.connect(lambda _info: self.request() if self.active else None)
        self.inference.request_failed.connect(self._on_request_failed)

    def _on_request_failed(self, kind: str, message: str) -> None:
        if kind in NUMBER_KINDS:  # the window reports the others' failures
            self.window.show_error(f"Reading the number failed ({kind}): {message}")

    def _on_strokes_changed(self, complete: bool) -> None:
        self.window.learning.sync_bar()  # drawing over a picture allows corrections again, Undo back to it not
        if complete:
            strokes = self.canvas.strokes()
            if self._by_hand is not None:  # dividers set by hand stay while no new stroke crosses them
                self.boundaries = kept_boundaries(self._by_hand, self._regrouped_on, strokes, NUMBER_CANVAS)
                if self.boundaries is None or len(strokes) < len(self._regrouped_on):
                    self._by_hand, self._regrouped_on = self.boundaries, strokes
            self.request()

    def _on_width_changed(self, width: int) -> None:
        self.canvas.set_brush_width(width)
        if self.active and self.canvas.picture is None:  # a picture's ink has no brush
            self.request()

    def _on_read(self, seq: int, reading: NumberReading) -> None:
        if seq != self._seq:
            return
        if self.canvas.picture is not None:  # boxes in the picture's pixels: onto the canvas, where it is shown
            reading = placed(reading, *self.canvas.picture_frame())
            reading = replace(reading, boundaries=())  # no dividers: they regroup strokes, a picture has none
        self._show(reading)

    def _show(self, reading: NumberReading | None) -> None:
        self.reading = reading
        digits = reading.digits if reading is not None else ()
        self.selected = min(self.selected, max(0, len(digits) - 1))
        self.canvas.set_reading(reading, self.selected)
        if not digits:
            self.text.setText("")
            self.window.results.show_empty("Write a number")
            self.window.chart.clear_sweep()
        elif reading.not_a_number:
            self.text.setText("<b style='font-size:16pt'>?</b>   doesn't look like a number")
            self.select(self.selected)
        else:
            unsure = sum(not d.sure for d in digits)
            note = f"   ({unsure} unsure: select it above its box)" if unsure else ""
            self.text.setText(f"<b style='font-size:16pt'>{reading.text}</b>{note}")
            self.select(self.selected)
        self.reading_shown.emit(reading)

    def _on_swept(self, seq: int, widths: np.ndarray, probabilities: np.ndarray) -> None:
        if seq == self._sweep_seq and self.active:
            self.window.chart.set_sweep(widths, probabilities)
            self.window.why.request_comparison()  # the comparison model's curves, for the selected digit
