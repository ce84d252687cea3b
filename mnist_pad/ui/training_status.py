"""A training run seen from the main window: progress and ETA in the status bar, the ending in words.

Shown while a run goes on (whether or not the Retrain dialog is open), with a button that reopens
the dialog; when the run ends it says how (and the new model's MNIST figure, and whether it is worse).
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .retrain_result import worse_on
from .training_process import TrainingRun


def format_eta(seconds: float | None) -> str:
    """m:ss, or … when unknown."""
    if seconds is None or seconds != seconds:
        return "…"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}:{secs:02d}"


class TrainingStatus(QWidget):
    """Status-bar widget following one TrainingRun; `show_dialog` asks for the Retrain dialog."""

    show_dialog = Signal()

    def __init__(self, run: TrainingRun, current_figures=lambda: {}, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingStatus")
        self._current_figures = current_figures  # the figures of the model in use, asked for at the end
        self.label = QLabel()
        self.label.setObjectName("trainingStatusText")
        self.button = QPushButton("Show")
        self.button.setObjectName("trainingStatusShow")
        self.button.setFlat(True)
        self.button.clicked.connect(self.show_dialog)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.button)
        run.staged.connect(lambda e: self._say(f"Training: {e.get('stage', 'preparing')}…"))
        run.progress.connect(lambda e: self._say(
            f"Training {float(e.get('fraction', 0)):.0%} · ETA {format_eta(e.get('eta_s'))}"))
        run.succeeded.connect(self._on_success)
        run.failed.connect(lambda message: self._say(f"Training failed: {message}"))
        run.cancelled.connect(self.hide)
        self.hide()

    def _say(self, text: str) -> None:
        self.label.setText(text)
        self.show()

    def _on_success(self, event: dict) -> None:
        figures = event.get("figures", {})
        mnist = figures.get("mnist_test_accuracy")
        summary = f"MNIST {mnist:.2%}" if isinstance(mnist, (int, float)) else "figures in the dialog"
        before = event.get("baseline") if isinstance(event.get("baseline"), dict) else self._current_figures()
        verdict = "worse than the current model" if worse_on(figures, before or {}) else "ready to use"
        self._say(f"Training finished: {summary}, {verdict}.")
