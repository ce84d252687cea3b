"""Thin → thick: the top digits' probabilities as the brush width sweeps, the current width marked.

Click anywhere on the chart (or drag the marker) to set the brush to that width. A comparison
model's sweep can be drawn beside it, dashed, for the same digits: with a robust model the lesson
(thickness changes what a network believes) is visible in the plain model's curves.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from .chart_style import LegendRow, PercentAxis
from .panels import DIGIT_COLOURS, MUTED

TOP_DIGITS = 3


class ThicknessChart(pg.PlotWidget):
    """A pyqtgraph plot of P(digit) against brush width for the current drawing."""

    width_chosen = Signal(float)

    def __init__(self, width_range: tuple[float, float], parent: QWidget | None = None):
        super().__init__(parent, background="w", axisItems={"left": PercentAxis("left")})
        self.setObjectName("thicknessChart")
        self.width_range = width_range
        self.widths = np.zeros(0)
        self.probabilities = np.zeros((0, 10))
        self.comparison: tuple[np.ndarray, np.ndarray, str] | None = None  # widths, probabilities, model name
        self.model_name = "this model"
        self._shown_digits: list[int] = []
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setXRange(*width_range, padding=0.02)
        plot.setYRange(-0.03, 1.05, padding=0)
        axis_pen = pg.mkPen(MUTED)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(axis_pen)
            axis.setTextPen(pg.mkPen("#333336"))
        plot.setLabel("bottom", "brush width (px)")
        plot.setLabel("left", "probability")
        plot.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        # The legend is a row of text under the chart (placed by the panel): inside the plot it
        # would sit on top of some curve, since they run along the top and the bottom.
        self.legend = LegendRow()
        self.legend.setObjectName("thicknessLegend")
        self.legend.setVisible(False)
        self.curves = [plot.plot([], [], pen=pg.mkPen(DIGIT_COLOURS[d], width=2.5)) for d in range(10)]
        self.comparison_curves = [plot.plot([], [], pen=pg.mkPen(DIGIT_COLOURS[d], width=2, style=Qt.PenStyle.DashLine))
                                  for d in range(10)]
        self.marker = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#1d1d1f", width=1.5, style=Qt.PenStyle.DashLine),
                                      hoverPen=pg.mkPen("#1d1d1f", width=3), bounds=width_range)
        self.marker.sigPositionChangeFinished.connect(lambda line: self.width_chosen.emit(float(line.value())))
        plot.addItem(self.marker, ignoreBounds=True)
        self.placeholder = pg.TextItem("the thin → thick sweep appears when you draw", color=MUTED, anchor=(0.5, 0.5),
                                       fill=pg.mkBrush("w"))
        self.placeholder.setPos(sum(width_range) / 2, 0.5)
        plot.addItem(self.placeholder, ignoreBounds=True)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.setToolTip("How the prediction changes as the brush gets thicker. Click to use that width.")
        self.setMinimumHeight(180)

    def set_sweep(self, widths: np.ndarray, probabilities: np.ndarray) -> None:
        """Show the sweep; only the digits that ever come near the top are drawn, in their colours."""
        self.widths, self.probabilities = np.asarray(widths, float), np.asarray(probabilities, float)
        top = self.top_digits()
        for digit in set(self._shown_digits) - set(top):
            self.curves[digit].setData([], [])
        self._shown_digits = top
        for digit in top:
            self.curves[digit].setData(self.widths, self.probabilities[:, digit])
        self.placeholder.setVisible(not top)
        self._show_comparison()

    def clear_sweep(self, text: str = "the thin → thick sweep appears when you draw") -> None:
        """No sweep (and so no comparison either): the placeholder says why."""
        self.comparison = None
        self.set_sweep(np.zeros(0), np.zeros((0, 10)))
        self.placeholder.setText(text)

    def set_comparison(self, widths: np.ndarray, probabilities: np.ndarray, name: str) -> None:
        """Draw another model's sweep of the same drawing, dashed, for the digits shown."""
        self.comparison = (np.asarray(widths, float), np.asarray(probabilities, float), name)
        self._show_comparison()

    def clear_comparison(self) -> None:
        """Remove the dashed curves."""
        self.comparison = None
        self._show_comparison()

    def _show_comparison(self) -> None:
        shown = self._shown_digits if self.comparison is not None else []
        for digit, curve in enumerate(self.comparison_curves):
            if digit in shown:
                curve.setData(self.comparison[0], self.comparison[1][:, digit])
            else:
                curve.setData([], [])
        entries = [(DIGIT_COLOURS[d], f"{d} ({self.model_name})", False) for d in self._shown_digits]
        entries += [(DIGIT_COLOURS[d], f"{d} ({self.comparison[2]})", True) for d in shown]
        self.legend.set_entries(entries)

    def top_digits(self) -> list[int]:
        """The digits shown: the best TOP_DIGITS by their highest probability anywhere in the sweep."""
        if not len(self.probabilities) or not self.probabilities.any():
            return []
        peak = self.probabilities.max(axis=0)
        return [int(d) for d in np.argsort(-peak)[:TOP_DIGITS] if peak[d] > 0.01]

    def set_current_width(self, width: float) -> None:
        self.marker.blockSignals(True)
        self.marker.setValue(width)
        self.marker.blockSignals(False)

    def _clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view = self.getPlotItem().getViewBox()
        if not view.sceneBoundingRect().contains(event.scenePos()):
            return
        width = float(view.mapSceneToView(event.scenePos()).x())
        low, high = self.width_range
        self.width_chosen.emit(min(high, max(low, width)))
