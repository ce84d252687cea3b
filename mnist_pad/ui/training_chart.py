"""The Retrain dialog's live chart: training accuracy in percent (left axis) and loss on an axis of its own
(right), against progress, with the legend as a row below so it never covers the curves."""
from __future__ import annotations

import math

from PySide6.QtWidgets import QVBoxLayout, QWidget

from .chart_style import LegendRow, cache_axes, percent_plot
from .pyqtgraph_without_cuda import pg

ACCURACY_COLOUR, LOSS_COLOUR = "#2e86ab", "#d1495b"
ROOM = (-0.07, 1.05)  # the vertical range around 0..1 (0..the loss axis's top)
# The loss axis's top: a new network starts near ln 10 = 2.3 (ten classes guessed evenly); a higher loss
# raises it to the next multiple of LOSS_STEP. Set before the run, so the first reports change no range.
LOSS_TOP, LOSS_STEP = 2.5, 0.5


class TrainingChart(QWidget):
    """`add(progress %, loss, accuracy)` for each report, `clear()` for a new run; a line saying what will be
    there until the first."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = percent_plot()
        self.plot.setObjectName("retrainChart")
        self.plot.setMinimumHeight(160)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "progress", units="%")
        item.getAxis("bottom").enableAutoSIPrefix(False)
        item.setLabel("left", "training accuracy", color=ACCURACY_COLOUR)
        item.showGrid(x=True, y=True, alpha=0.2)
        # Room beyond 0 and 100: pyqtgraph drops an end's label it cannot fit in the axis.
        item.setXRange(-4, 104, padding=0)
        item.setYRange(*ROOM, padding=0)
        item.getAxis("bottom").setTicks([[(v, f"{v}") for v in (0, 25, 50, 75, 100)]])
        item.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        item.setMouseEnabled(x=False, y=False)
        # The loss (cross-entropy: ~2.3 at the start, towards 0) has a view and an axis of its own on the right.
        self.loss_view = pg.ViewBox(enableMouse=False)
        item.showAxis("right")
        item.scene().addItem(self.loss_view)
        right = item.getAxis("right")
        right.linkToView(self.loss_view)
        right.setLabel("loss", color=LOSS_COLOUR)
        self.loss_view.setXLink(item)
        self.loss_top = LOSS_TOP
        self.loss_view.setYRange(ROOM[0] * self.loss_top, ROOM[1] * self.loss_top, padding=0)
        item.vb.sigResized.connect(self._fit_loss_view)
        self.accuracy_curve = self.plot.plot(pen=pg.mkPen(ACCURACY_COLOUR, width=2))
        self.loss_curve = pg.PlotCurveItem(pen=pg.mkPen(LOSS_COLOUR, width=2))
        self.loss_view.addItem(self.loss_curve)
        # The ranges change only when a loss passes the top: with the machine busy training, replaying the
        # axes and grid at every progress report stalled drawing for 10-14 ms (2.1 ms cached; 2-core EPYC).
        # Axes and legend are there from the start for the same reason: shown at the first report, the
        # chart's new layout and first paint stalled drawing for 20-33 ms.
        cache_axes(self.plot)
        self.placeholder = pg.TextItem("training accuracy and loss appear here as the model trains",
                                       color="#8a8a90", anchor=(0.5, 0.5))
        self.placeholder.setPos(50, 0.5)
        self.plot.addItem(self.placeholder)
        self.legend_row = LegendRow()
        self.legend_row.set_entries([(ACCURACY_COLOUR, "training accuracy", False), (LOSS_COLOUR, "loss", False)])
        self.steps: list[float] = []
        self.losses: list[float] = []
        self.accuracies: list[float] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend_row)

    def _fit_loss_view(self) -> None:
        vb = self.plot.getPlotItem().vb
        self.loss_view.setGeometry(vb.sceneBoundingRect())
        self.loss_view.linkedViewChanged(vb, self.loss_view.XAxis)

    def clear(self) -> None:
        """Ready for a new run: no curves, the placeholder back."""
        self.steps, self.losses, self.accuracies = [], [], []
        self.accuracy_curve.setData([], [])
        self.loss_curve.setData([], [])
        self.placeholder.show()

    def add(self, progress_percent: float, loss: float, accuracy: float) -> None:
        """One progress report: progress 0..100, the loss and the training accuracy (0..1) at it."""
        if not self.steps:
            self.placeholder.hide()
        self.steps.append(progress_percent)
        self.losses.append(loss)
        self.accuracies.append(accuracy)
        if math.isfinite(loss) and loss > self.loss_top:
            self.loss_top = math.ceil(loss / LOSS_STEP) * LOSS_STEP
            self.loss_view.setYRange(ROOM[0] * self.loss_top, ROOM[1] * self.loss_top, padding=0)
        self.accuracy_curve.setData(self.steps, self.accuracies)
        self.loss_curve.setData(self.steps, self.losses)
