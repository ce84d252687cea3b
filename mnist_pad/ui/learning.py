"""Learning from the app: corrections, retraining and the accuracy view, attached to the main window.

Kept apart from the main window so drawing and recognising stay readable on their own; this
module makes the Model menu's learning actions (the window places them), handles deleting a saved
model, the "Wrong? It was a …" row, their dialogs, and the status-bar view of a training run, which also makes quitting during a run ask first.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from .. import corrections, paths
from .canvas import CANVAS_SIZE, Canvas
from .corrections_view import CorrectionBar, MyDrawingsDialog
from .placement import place_beside
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
        self._saved: dict[tuple, int] = {}  # drawings saved in this session -> their label (duplicates)
        self.bar = CorrectionBar()
        self.bar.label_chosen.connect(self.save_correction)
        window.add_under_canvas(self.bar)
        window.canvas.strokes_changed.connect(lambda _complete: self.sync_bar())
        window.picture_opened.connect(lambda _path: self.sync_bar())
        self.sync_bar()  # nothing drawn yet
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
        """Append the current drawing with the right label to the user's corrections.

        Refused in words: a picture (corrections are strokes), no drawing, a drawing already saved,
        and a "correction" the model already agrees with.
        """
        if self._picture_shown():
            self._say("A picture cannot be saved as a correction: My drawings keeps strokes. "
                      "Draw the digit on the canvas to teach the model.")
            return False
        strokes = self.strokes_to_correct()
        if not strokes:
            self._say("Draw the digit first, then say what it was.")
            return False
        try:
            correction = corrections.make(strokes, digit, float(self.window.brush_width), CANVAS_SIZE)
        except ValueError as error:
            self.window.show_error(f"Could not save the correction; your drawing is still on the canvas.\n\n{error}")
            return False
        refusal = self._refusal(correction)
        if refusal:
            self._say(refusal)
            return False
        path = paths.corrections_file()
        try:
            corrections.append(path, correction)
        except corrections.CorrectionsError as error:
            self.window.show_error(f"Could not save the correction; your drawing is still on the canvas.\n\n{error}")
            return False
        self._saved[_key(correction)] = digit
        if self._count is not None:  # counting up, instead of re-reading a file that may hold thousands
            self._count += 1
        count = self.corrections_count()
        self._say(f"Saved as a {digit} to My drawings ({count} in all). Model → Retrain… can learn from them.")
        self._refresh_counts(count)
        return True

    def _refusal(self, correction: corrections.Correction) -> str:
        """Why this correction teaches nothing, or "" when it should be saved."""
        saved = self._saved.get(_key(correction))
        if saved is not None and self._still_saved(correction):
            if saved == correction.label:
                return f"This drawing is already saved as {saved} in My drawings."
            return (f"This drawing is already saved as {saved}. To change its label, delete it in "
                    "Model → My drawings… (Undo is there if you change your mind) and save it again.")
        shown = np.asarray(self.window.results.bars.values)  # the prediction on screen for this drawing
        if shown.any() and int(np.argmax(shown)) == correction.label:
            return (f"The model already reads it as {correction.label}: nothing to correct. "
                    "Save the drawings it gets wrong.")
        return ""

    def _still_saved(self, correction: corrections.Correction) -> bool:
        """Whether the file still holds this drawing (it may have been deleted in My drawings since)."""
        try:
            return any(_key(record) == _key(correction) for record in corrections.load(paths.corrections_file())[0])
        except corrections.CorrectionsError:
            return True  # cannot tell: saving it again would most likely fail the same way

    def _picture_shown(self) -> bool:
        canvas: Canvas = self.window.edited_canvas
        return canvas.picture is not None

    def sync_bar(self) -> None:
        """Disable "Wrong? It was a …" while a picture is shown (corrections are strokes) or nothing is
        drawn, saying why."""
        if self._picture_shown():
            reason = ("Corrections are saved as strokes, so an opened picture cannot be one: "
                      "draw the digit to teach the model.")
        elif self.window.edited_canvas.is_empty():
            reason = "Draw a digit first; when the model misreads it, press the digit it was."
        else:
            reason = ""
        self.bar.set_unavailable(reason)

    def _say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 6000)

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
        opening = not self.retrain_dialog.isVisible()
        self.retrain_dialog.show()
        if opening:  # beside the window, not over the canvas it invites you to keep drawing on
            place_beside(self.retrain_dialog, self.window)
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
            self.drawings_dialog.open_requested.connect(self.open_drawing)
        else:
            self.drawings_dialog.reload()
        self.drawings_dialog.show()
        return self.drawings_dialog

    def open_drawing(self, record: corrections.Correction) -> None:
        """Put a saved drawing on the canvas at its brush width (Undo brings the previous drawing back)."""
        width = self.window.load_drawing(record.strokes, record.brush_width, (record.canvas_size, record.canvas_size))
        self._say(f"Opened a drawing saved as {record.label}, at its brush width "
                  f"({width:.0f} px). Undo brings back what was on the canvas.")

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
            place_beside(self.accuracy_dialog, self.window)
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


def _key(correction: corrections.Correction) -> tuple:
    """The drawing as the file stores it (points rounded to 0.01 px): equal keys, same drawing."""
    return tuple(tuple((round(x, 2), round(y, 2)) for x, y in stroke) for stroke in correction.strokes)
