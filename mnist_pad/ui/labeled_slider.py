"""A slider with a number box beside it that edits the same value (the brush width control).

Replaces superqt's QLabeledSlider: importing superqt loads every one of its widgets, qtpy and
pygments (0.24 s of start-up on the 2-core development machine, 0.6-0.8 s while it is loaded) for
one slider and a box that Qt's QSlider and QSpinBox make in a few lines.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSlider, QSpinBox, QWidget


class LabeledSlider(QWidget):
    """A horizontal QSlider and a QSpinBox kept in step; valueChanged fires once per change."""

    valueChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.spin_box = QSpinBox()
        self.spin_box.setKeyboardTracking(False)  # typing "24" is one change to 24, not one to 2 first
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.spin_box)
        self.slider.valueChanged.connect(self._on_slider)
        self.spin_box.valueChanged.connect(self.slider.setValue)

    def value(self) -> int:
        return self.slider.value()

    def setValue(self, value: int) -> None:
        self.slider.setValue(value)

    def minimum(self) -> int:
        return self.slider.minimum()

    def maximum(self) -> int:
        return self.slider.maximum()

    def setRange(self, minimum: int, maximum: int) -> None:
        """Both controls accept minimum to maximum; the value is clamped into it."""
        self.spin_box.setRange(minimum, maximum)
        self.slider.setRange(minimum, maximum)

    def setToolTip(self, text: str) -> None:
        """The tip shows on both parts."""
        super().setToolTip(text)
        self.slider.setToolTip(text)
        self.spin_box.setToolTip(text)

    def _on_slider(self, value: int) -> None:
        self.spin_box.setValue(value)  # no echo: the box's change sets the slider to what it already is
        self.valueChanged.emit(value)
