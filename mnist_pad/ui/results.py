"""The right-hand column: the predicted digit, the 28x28 the model saw, ten bars, thin → thick."""
from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..confidence import Reading
from ..numbers import NumberReading
from .panels import PredictionPanel, Preview28, ProbabilityBars
from .thickness_chart import ThicknessChart

WIDTH = 420


class ResultsPanel(QWidget):
    """Shows what the network thinks; it never computes anything itself."""

    def __init__(self, width_range: tuple[float, float], parent: QWidget | None = None):
        super().__init__(parent)
        self.prediction = PredictionPanel()
        self.preview = Preview28()
        self.bars = ProbabilityBars()
        self.chart = ThicknessChart(width_range)
        self.compare_box = QComboBox()  # filled by the why views (why.py): which model's curves to draw dashed
        self.compare_box.setObjectName("compareModel")
        self.compare_box.setToolTip("Another model's curves for the same drawing, dashed: with the robust "
                                    "default the plain model shows how thickness can change a network's mind")
        self.compare_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        preview_box = QVBoxLayout()
        preview_box.addWidget(_caption("The network sees"))
        preview_box.addWidget(self.preview)
        preview_box.addStretch()
        top = QHBoxLayout()
        top.addWidget(self.prediction, 1)
        top.addLayout(preview_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addSpacing(8)
        layout.addWidget(_caption("All ten digits"))
        layout.addWidget(self.bars)
        layout.addSpacing(8)
        layout.addWidget(_caption("Thin → thick: the same drawing at every brush width"))
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.chart.legend)
        # As wide as the column, as the legend's reserved lines make it as tall as ever: fixed both ways, a
        # new legend (the top digits change as one draws) never has the window laid out again.
        self.chart.legend.setFixedWidth(WIDTH)
        compare_row = QHBoxLayout()
        compare_row.addWidget(QLabel("Compare with"))
        compare_row.addWidget(self.compare_box, 1)
        layout.addLayout(compare_row)
        self.setFixedWidth(WIDTH)

    def show_result(self, image: np.ndarray, reading: Reading | NumberReading) -> None:
        """A prediction: the image the model saw and its reading (digit, unsure, not a digit, or no ink
        found), or for a picture of several digits their NumberReading, named but not read as one digit."""
        self.preview.set_image(image)
        if isinstance(reading, NumberReading):
            self.bars.set_values(np.zeros(10))
            self.prediction.show_several(reading)
            return
        self.bars.set_values(reading.probabilities)
        if reading.empty:
            self.prediction.show_hint("No ink found in the picture")
        else:
            self.prediction.show_reading(reading)

    def show_empty(self, hint: str) -> None:
        """No guess at all: an empty canvas, a model still loading, or none loaded."""
        self.prediction.show_hint(hint)
        self.bars.set_values(np.zeros(10))
        self.preview.set_image(np.zeros((28, 28), np.uint8))


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("color: #66666b; font-weight: 600;")
    return label
