"""Thin → thick: the top digits' probabilities as the brush width sweeps, the current width marked.

Click anywhere on the chart (or drag the marker) to set the brush to that width. A comparison
model's sweep can be drawn beside it, dashed, for the same digits: with a robust model the lesson
(thickness changes what a network believes) is visible in the plain model's curves.

This widget holds what is shown; the plot itself (thickness_plot.py, pyqtgraph) is built just after
the window first appears, or when first needed: importing pyqtgraph and building the plot takes
~0.4 s, which would otherwise keep the window from showing that much longer.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .legend_row import LegendRow
from .panels import DIGIT_COLOURS

if TYPE_CHECKING:
    from .thickness_plot import ThicknessPlot

TOP_DIGITS = 3
PLACEHOLDER = "the thin → thick sweep appears when you draw"


LEGEND_LINES = 2  # up to three digits of this model and three dashed ones fit in two lines


class ThicknessChart(QWidget):
    """P(digit) against brush width for the current drawing."""

    width_chosen = Signal(float)
    plot_built = Signal()  # the pyqtgraph plot now exists (and pyqtgraph is imported)

    def __init__(self, width_range: tuple[float, float], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("thicknessChart")
        self.width_range = width_range
        self.widths = np.zeros(0)
        self.probabilities = np.zeros((0, 10))
        self.comparison: tuple[np.ndarray, np.ndarray, str] | None = None  # widths, probabilities, model name
        self.model_name = "this model"
        self._shown_digits: list[int] = []
        self._placeholder = PLACEHOLDER
        self._current_width = float(width_range[0])
        self._plot: ThicknessPlot | None = None
        self._plot_scheduled = False
        # The legend is a row of text under the chart (placed by the panel): inside the plot it
        # would sit on top of some curve, since they run along the top and the bottom.
        self.legend = LegendRow(reserve_lines=LEGEND_LINES)
        self.legend.setObjectName("thicknessLegend")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setToolTip("How the prediction changes as the brush gets thicker. Click to use that width.")
        self.setMinimumHeight(180)

    def plot(self) -> "ThicknessPlot":
        """The pyqtgraph plot, built now if it was not yet."""
        if self._plot is None:
            from .thickness_plot import ThicknessPlot

            self._plot = ThicknessPlot(self.width_range, self)
            self._plot.width_chosen.connect(self.width_chosen)
            self._layout.addWidget(self._plot)
            self._plot.set_marker(self._current_width)
            self._draw()
            self.plot_built.emit()
        return self._plot

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._plot is None and not self._plot_scheduled:  # the window is on screen: build it next
            self._plot_scheduled = True
            QTimer.singleShot(0, self.plot)

    def set_sweep(self, widths: np.ndarray, probabilities: np.ndarray) -> None:
        """Show the sweep; only the digits that ever come near the top are drawn, in their colours."""
        self.widths, self.probabilities = np.asarray(widths, float), np.asarray(probabilities, float)
        self._shown_digits = self.top_digits()
        self._draw()

    def clear_sweep(self, text: str = PLACEHOLDER) -> None:
        """No sweep (and so no comparison either): the placeholder says why."""
        self.comparison = None
        self._placeholder = text
        self.set_sweep(np.zeros(0), np.zeros((0, 10)))

    def set_comparison(self, widths: np.ndarray, probabilities: np.ndarray, name: str) -> None:
        """Draw another model's sweep of the same drawing, dashed, for the digits shown."""
        self.comparison = (np.asarray(widths, float), np.asarray(probabilities, float), name)
        self._draw()

    def clear_comparison(self) -> None:
        """Remove the dashed curves."""
        self.comparison = None
        self._draw()

    def top_digits(self) -> list[int]:
        """The digits shown: the best TOP_DIGITS by their highest probability anywhere in the sweep."""
        if not len(self.probabilities) or not self.probabilities.any():
            return []
        peak = self.probabilities.max(axis=0)
        return [int(d) for d in np.argsort(-peak)[:TOP_DIGITS] if peak[d] > 0.01]

    def set_current_width(self, width: float) -> None:
        """Mark the brush width in use."""
        self._current_width = float(width)
        if self._plot is not None:
            self._plot.set_marker(width)

    def _draw(self) -> None:
        shown = self._shown_digits if self.comparison is not None else []
        entries = [(DIGIT_COLOURS[d], f"{d} ({self.model_name})", False) for d in self._shown_digits]
        entries += [(DIGIT_COLOURS[d], f"{d} ({self.comparison[2]})", True) for d in shown]
        self.legend.set_entries(entries)
        if self._plot is not None:
            self._plot.draw(self.widths, self.probabilities, self._shown_digits, self.comparison, self._placeholder)
