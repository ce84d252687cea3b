"""The pyqtgraph part of the thin → thick chart (see thickness_chart.py, which builds it once the
window is on screen): the curves, the dashed comparison, the width marker and click-to-choose."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QWidget

from .chart_style import PercentAxis, cache_axes, pg
from .panels import DIGIT_COLOURS, MUTED


class ThicknessPlot(pg.PlotWidget):
    """P(digit) against brush width: solid curves for this model, dashed for a comparison model."""

    width_chosen = Signal(float)

    def __init__(self, width_range: tuple[float, float], parent: QWidget | None = None):
        super().__init__(parent, background="w", axisItems={"left": PercentAxis("left")})
        self.width_range = width_range
        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setMouseEnabled(x=False, y=False)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setXRange(*width_range, padding=0.02)
        plot.setYRange(-0.07, 1.05, padding=0)  # room below 0 for the "0%" label (pyqtgraph drops a label it cannot fit)
        axis_pen = pg.mkPen(MUTED)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(axis_pen)
            axis.setTextPen(pg.mkPen("#333336"))
        plot.setLabel("bottom", "brush width (px)")
        plot.setLabel("left", "probability")
        plot.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        # The ranges never change, so the axes and their grid are painted once into a cached pixmap, not
        # replayed at every sweep; plain curve items, not PlotDataItems (which carry symbols and
        # downsampling this chart never uses): a sweep shown cost the UI thread ~11 ms, now ~7 ms.
        cache_axes(plot)
        self.curves = [_curve(plot, pg.mkPen(DIGIT_COLOURS[d], width=2.5)) for d in range(10)]
        self.comparison_curves = [_curve(plot, pg.mkPen(DIGIT_COLOURS[d], width=2, style=Qt.PenStyle.DashLine))
                                  for d in range(10)]
        self.marker = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#1d1d1f", width=1.5, style=Qt.PenStyle.DashLine),
                                      hoverPen=pg.mkPen("#1d1d1f", width=3), bounds=width_range)
        self.marker.sigPositionChangeFinished.connect(lambda line: self.width_chosen.emit(float(line.value())))
        plot.addItem(self.marker, ignoreBounds=True)
        self.placeholder = pg.TextItem("", color=MUTED, anchor=(0.5, 0.5), fill=pg.mkBrush("w"))
        self.placeholder.setPos(sum(width_range) / 2, 0.5)
        plot.addItem(self.placeholder, ignoreBounds=True)
        self.scene().sigMouseClicked.connect(self._clicked)

    def draw(self, widths: np.ndarray, probabilities: np.ndarray, digits: list[int],
             comparison: tuple[np.ndarray, np.ndarray, str] | None, placeholder: str) -> None:
        """Curves for `digits` (others emptied), dashed ones too when there is a comparison; the
        placeholder text shows when no digit is drawn."""
        for digit in range(10):
            shown = digit in digits
            _show(self.curves[digit], widths, probabilities[:, digit] if shown else None)
            if shown and comparison is not None:
                _show(self.comparison_curves[digit], comparison[0], comparison[1][:, digit])
            else:
                _show(self.comparison_curves[digit], None, None)
        self.placeholder.setText(placeholder)
        self.placeholder.setVisible(not digits)

    def set_marker(self, width: float) -> None:
        """Move the width marker without reporting it as the user's choice."""
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


def _curve(plot: pg.PlotItem, pen) -> pg.PlotCurveItem:
    curve = pg.PlotCurveItem(pen=pen)
    plot.addItem(curve)
    return curve


def _show(curve: pg.PlotCurveItem, xs, ys) -> None:
    """Give a curve these points, or empty it when `ys` is None (an empty curve is left alone: emptying
    it again still costs the plot a relayout)."""
    if ys is not None:
        curve.setData(xs, ys)
    elif curve.xData is not None and len(curve.xData):
        curve.setData([], [])
