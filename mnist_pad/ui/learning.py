"""Learning from the app: corrections, retraining and the accuracy view, attached to the main window.

Kept apart from the main window so drawing and recognising stay readable on their own; this
module makes the Model menu's learning actions (the window places them), handles deleting a saved
model, the "Wrong? It was a …" row, their dialogs, and the status-bar view of a training run, which also makes quitting during a run ask first.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from .. import corrections, paths
from .canvas import CANVAS_SIZE
from .corrections_view import CorrectionBar, MyDrawingsDialog
from .training_process import TRAINING_PROGRAM, TrainingRun
from .training_status import TrainingStatus

if TYPE_CHECKING:  # the dialogs and their charts are imported when first opened: ~0.6 s less at start-up
    from .accuracy_dialog import AccuracyDialog
    from .retrain_dialog import RetrainDialog


class Learning(QObject):
    """Owns the retrain, My drawings and accuracy dialogs of one main window."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.drawings_dialog: MyDrawingsDialog | None = None
        self.accuracy_dialog: AccuracyDialog | None = None
        self._count: int | None = None  # corrections in the file: read once, then kept up to date
        self.strokes_to_correct = window.canvas.strokes  # Number mode points this at the selected digit
        self.bar = CorrectionBar()
        self.bar.label_chosen.connect(self.save_correction)
        window.add_under_canvas(self.bar)
        for digit in range(10):
            action = QAction(f"It was a {digit}", window)
            action.setShortcut(QKeySequence(f"Ctrl+{digit}"))
            action.triggered.connect(lambda _=False, d=digit: self.save_correction(d))
            window.addAction(action)
        self.retrain_action = QAction("Retrain…", window, objectName="actionRetrain", triggered=self.open_retrain)
        drawings = QAction("My drawings…", window, objectName="actionMyDrawings", triggered=self.open_my_drawings)
        accuracy = QAction("Accuracy vs brush width…", window, objectName="actionAccuracy", triggered=self.open_accuracy)
        self.model_actions = [drawings, accuracy, self.retrain_action]  # the window places them in its Model menu
        self.retrain_dialog: RetrainDialog | None = None  # made on first use (its chart is costly)
        self.training_program = TRAINING_PROGRAM  # what Retrain… runs; tests set a stand-in
        self.run = TrainingRun(self)
        self.run.succeeded.connect(lambda _event: window.refresh_saved_models())
        window.model_changed.connect(self._on_model_changed)
        self.training_status = TrainingStatus(self.run, self._current_figures, window)
        self.training_status.show_dialog.connect(self.open_retrain)
        window.statusBar().addPermanentWidget(self.training_status)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    def save_correction(self, digit: int) -> bool:
        """Append the current drawing with the right label to the user's corrections."""
        strokes = self.strokes_to_correct()
        if not strokes:
            self.window.statusBar().showMessage("Draw the digit first, then say what it was.", 4000)
            return False
        path = paths.corrections_file()
        try:
            corrections.append(path, corrections.make(strokes, digit, float(self.window.brush_width), CANVAS_SIZE))
        except (corrections.CorrectionsError, ValueError) as error:
            self.window.show_error(f"Could not save the correction; your drawing is still on the canvas.\n\n{error}")
            return False
        if self._count is not None:  # counting up, instead of re-reading a file that may hold thousands
            self._count += 1
        count = self.corrections_count()
        self.window.statusBar().showMessage(
            f"Saved as a {digit} to My drawings ({count} in all). Model → Retrain… can learn from them.", 6000)
        self._refresh_counts(count)
        return True

    def corrections_count(self) -> int:
        """How many corrections are saved: read from the file the first time only (saving counts up)."""
        if self._count is None:
            try:
                self._count = len(corrections.load(paths.corrections_file())[0])
            except corrections.CorrectionsError:
                return 0
        return self._count

    def open_retrain(self) -> RetrainDialog:
        """Show the (single) retrain dialog; a run keeps going while it is hidden."""
        if self.retrain_dialog is None:
            from .retrain_dialog import RetrainDialog

            self.retrain_dialog = RetrainDialog(self.window, self.training_program, self.run)
            self.retrain_dialog.use_model.connect(self.window.load_model)
            self.retrain_dialog.hidden_while_running.connect(lambda: self.window.statusBar().showMessage(
                "Training goes on in the background; its progress is shown here.", 5000))
            if self.window.model_info is not None:
                self._on_model_changed(self.window.model_info)
        self.retrain_dialog.set_corrections_count(self.corrections_count())
        self.retrain_dialog.show()
        self.retrain_dialog.raise_()
        return self.retrain_dialog

    def training_running(self) -> bool:
        """Whether a training run is going."""
        return self.run.running

    def may_close(self) -> bool:
        """Asked before the window closes: with training going, the user decides whether to stop it."""
        if not self.training_running():
            return True
        answer = QMessageBox.question(
            self.window, "Training is running",
            "A training run is still going. Quit anyway? It will be stopped and nothing of it saved; "
            "your current model stays as it is.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def delete_saved_model(self, path: str) -> bool:
        """Delete one of the user's saved models after confirmation; never a shipped one or the one in use."""
        target = Path(path).resolve()
        if target.parent != paths.user_models_dir().resolve():
            self.window.show_error(f"{target.name} is not one of your saved models; only those can be deleted.")
            return False
        info = self.window.model_info
        if info is not None and Path(info.source).resolve() == target:
            self.window.show_error(f"{target.name} is the model in use. Switch to another model first, then delete it.")
            return False
        answer = QMessageBox.question(
            self.window, "Delete saved model", f"Delete {target.name} for good? This cannot be undone.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            target.unlink()
        except OSError as error:
            self.window.show_error(f"Could not delete {target}: {error.strerror or error}")
            return False
        self.window.statusBar().showMessage(f"Deleted {target.name}", 5000)
        self.window.refresh_saved_models()
        return True

    def _on_model_changed(self, info) -> None:
        if self.retrain_dialog is not None:
            self.retrain_dialog.set_current_model(info.name, info.source, info.card)

    def _current_figures(self) -> dict:
        info = self.window.model_info
        return dict(info.card.get("figures", {})) if info is not None else {}

    def open_my_drawings(self) -> MyDrawingsDialog:
        if self.drawings_dialog is None:
            self.drawings_dialog = MyDrawingsDialog(paths.corrections_file(), self.window)
            self.drawings_dialog.changed.connect(self._refresh_counts)
        else:
            self.drawings_dialog.reload()
        self.drawings_dialog.show()
        return self.drawings_dialog

    def open_accuracy(self) -> AccuracyDialog:
        if self.accuracy_dialog is None:
            from .accuracy_dialog import AccuracyDialog

            choices = [(name, name) for name in paths.SHIPPED_MODELS]
            choices += [(entry.label, entry.path) for entry in self.window.saved_models]
            info = self.window.model_info
            if info is not None and info.spec not in dict(choices).values():
                choices.insert(0, (f"current: {info.name}", info.source))
            self.accuracy_dialog = AccuracyDialog(choices, self.window)
            self.accuracy_dialog.finished.connect(self._forget_accuracy_dialog)
        self.accuracy_dialog.show()
        return self.accuracy_dialog

    def _forget_accuracy_dialog(self) -> None:
        self.accuracy_dialog.deleteLater()
        self.accuracy_dialog = None  # the model list is rebuilt next time

    def _refresh_counts(self, count: int) -> None:
        self._count = count
        if self.retrain_dialog is not None and not self.run.running:
            self.retrain_dialog.set_corrections_count(count)

    def shutdown(self) -> None:
        """Quitting the app ends a training run (its partial output is never kept)."""
        self.run.kill()
