"""The Retrain dialog's result: the new model beside the model in use, and an honest offer to switch.

A model worse than the one in use on MNIST test or on pen digits at the worst brush width is
said to be worse, in words, and the button reads "Use it anyway"; once used, the button is spent
and the headers say which model is in use.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QWidget

from .. import figures as keys

FIGURE_LABELS = {
    keys.MNIST_TEST: "MNIST test accuracy",
    keys.PEN_WORST: "pen digits, worst brush width",
    keys.PEN_MEAN: "pen digits, mean over widths",
    keys.CORRECTIONS_MEAN: "your drawings, mean over widths",
}
DECIDING = (keys.MNIST_TEST, keys.PEN_WORST)  # worse on either: not an improvement
USE, USE_ANYWAY, IN_USE = "Use the new model", "Use it anyway", "In use"


def worse_on(new: dict, current: dict) -> list[str]:
    """The deciding figures on which `new` is below `current` (both must hold the figure)."""
    return [FIGURE_LABELS[key] for key in DECIDING
            if isinstance(new.get(key), (int, float)) and isinstance(current.get(key), (int, float))
            and new[key] < current[key]]


class ResultTable(QGroupBox):
    """Figures of the model in use and the new one, a verdict, and the switch button."""

    use_clicked = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Result", parent)
        self.setObjectName("retrainResult")
        self.grid = QGridLayout(self)
        self.verdict = QLabel()
        self.verdict.setObjectName("retrainVerdict")
        self.verdict.setWordWrap(True)
        self.use_button = QPushButton(USE)
        self.use_button.setObjectName("retrainUse")
        self.use_button.clicked.connect(self.use_clicked)
        self.worse: list[str] = []
        self._current_name = ""

    def show_result(self, current_name: str, current: dict, new: dict, before_label: str = "current") -> None:
        """Fill the table: `current` are the figures of the model in use (named), `new` the new model's."""
        self._clear()
        self._current_name = current_name
        self.current_header = QLabel(f"<b>{before_label} ({current_name})</b>")
        self.new_header = QLabel("<b>new</b>")
        for column, widget in enumerate((QLabel(""), self.current_header, self.new_header)):
            self.grid.addWidget(widget, 0, column)
        row = 1
        for key, label in FIGURE_LABELS.items():
            if key not in new and key not in current:
                continue
            self.grid.addWidget(QLabel(label), row, 0)
            for column, figures in ((1, current), (2, new)):
                value = figures.get(key)
                self.grid.addWidget(QLabel(f"{value:.2%}" if isinstance(value, (int, float)) else "—"), row, column)
            row += 1
        self.worse = worse_on(new, current)
        if self.worse:
            self.verdict.setText(f"This model is worse than the current model ({current_name}) on "
                                 f"{' and '.join(self.worse)}. Keep the current one unless you have a reason.")
            self.verdict.setStyleSheet("color: #b00020;")
        elif not any(key in current for key in DECIDING):
            self.verdict.setText(f"The current model ({current_name}) has no figures to compare with.")
            self.verdict.setStyleSheet("")
        else:
            self.verdict.setText(f"As good as or better than the current model ({current_name}) on MNIST test and on pen digits.")
            self.verdict.setStyleSheet("")
        self.use_button.setText(USE_ANYWAY if self.worse else USE)
        self.use_button.setEnabled(True)
        self.grid.addWidget(self.verdict, row, 0, 1, 3)
        self.grid.addWidget(self.use_button, row + 1, 0, 1, 3)
        self.show()

    def mark_used(self) -> None:
        """The new model is now in use: the button is spent and the headers say so."""
        self.use_button.setEnabled(False)
        self.use_button.setText(IN_USE)
        self.current_header.setText(f"<b>previous ({self._current_name})</b>")
        self.new_header.setText("<b>new (in use)</b>")

    def _clear(self) -> None:
        while self.grid.count():
            widget = self.grid.takeAt(0).widget()
            if widget not in (self.verdict, self.use_button):
                widget.deleteLater()
