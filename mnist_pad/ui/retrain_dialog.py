"""Model → Retrain…: choose a recipe, watch training in its own process, then swap the model in.

The dialog is modeless: the user keeps drawing while training runs, and closing it (Esc too) leaves
the run going, shown in the main window's status bar (reopen it to watch); only Cancel or quitting the
app (which asks first) stops training. A new model is saved under a versioned name in the user's models
folder; the shipped models are never written. The recipe is a typed `Recipe`, made into arguments once.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
    QLabel, QLineEdit, QProgressBar, QPushButton, QRadioButton, QSpinBox, QVBoxLayout, QWidget,
)

from .. import model_store, paths
from ..recipe import Recipe, finetune_budget_s
from .retrain_result import ResultTable
from .settings import Keys, settings
from .training_chart import TrainingChart
from .training_process import TRAINING_PROGRAM, TrainingRun, training_command
from .training_status import format_eta


class RetrainDialog(QDialog):
    """Recipe, progress with ETA, a live loss/accuracy chart, cancel, and the swap offer."""

    use_model = Signal(str)  # path of the new model the user chose to switch to
    hidden_while_running = Signal()  # closed (or Esc) with training still going

    def __init__(self, parent: QWidget | None = None, program: tuple[str, ...] = TRAINING_PROGRAM,
                 run: TrainingRun | None = None):
        super().__init__(parent)
        self.program = tuple(program)  # the training CLI; tests pass a stand-in program
        self.setObjectName("retrainDialog")
        self.setWindowTitle("Retrain the model")
        self.setModal(False)
        self.run = run if run is not None else TrainingRun(self)
        self._current_name, self._current_path, self._current_card = "", "", {}
        self._new_path: str | None = None
        self._build()
        self._connect()

    # -- layout --------------------------------------------------------------------------
    def _build(self) -> None:
        stored = settings()
        recipe = QGroupBox("Recipe")
        form = QFormLayout(recipe)
        self.by_budget = QRadioButton("time budget")
        self.by_epochs = QRadioButton("epochs")
        self.by_budget.setChecked(True)
        self.budget = QSpinBox(suffix=" s", minimum=10, maximum=6 * 3600, value=60, singleStep=30)
        self.epochs = QSpinBox(minimum=1, maximum=100, value=5)
        stop_row = QHBoxLayout()
        for widget in (self.by_budget, self.budget, self.by_epochs, self.epochs):
            stop_row.addWidget(widget)
        stop_row.addStretch()
        form.addRow("Stop after", stop_row)
        self.network = QComboBox()
        self.network.setObjectName("retrainNetwork")
        # Measured here (2-core CPU, 60 s): padnet 99.26% on MNIST, padnet4 98.97%; padnet4 needs its 40 epochs.
        self.network.addItem("padnet (quick to train on a CPU)", "padnet")
        self.network.addItem("padnet4 (the shipped default's network; give it 40 epochs)", "padnet4")
        self.network.setToolTip("padnet: two convolutions, the better model within a few minutes on a CPU\n"
                                "padnet4: four convolutions with batch norm, the better model given a GPU or\n"
                                "an hour on a CPU (the shipped default: 40 epochs)")
        form.addRow("Network", self.network)
        self.augment = QComboBox()
        self.augment.addItems(["full", "thickness", "none"])  # full, the shipped recipe, is best in 60 s too
        self.augment.setToolTip("full: thin and thicken strokes, plus small rotation, scale, shear and shift\n"
                                "thickness: thin and thicken strokes only\n"
                                "none: the tutorials' plain recipe")
        form.addRow("Augmentation", self.augment)
        self.include_corrections = QCheckBox()
        form.addRow("My drawings", self.include_corrections)
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        form.addRow("Device", self.device)
        self.data_dir = QLineEdit(str(stored.value(Keys.MNIST_DIR, str(paths.mnist_cache_dir()))))
        self.data_dir.setToolTip("The folder holding MNIST/raw/ (torchvision's layout). "
                                 "Missing files are downloaded when online.")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_data_dir)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_dir, 1)
        data_row.addWidget(browse)
        form.addRow("MNIST folder", data_row)

        self.start_button = QPushButton("Start training")
        self.start_button.setObjectName("retrainStart")
        self.start_button.setDefault(True)
        self.finetune_button = QPushButton("Quick fine-tune on my drawings")
        self.finetune_button.setObjectName("retrainFinetune")
        self.finetune_button.setToolTip(_finetune_tip({}))
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.setObjectName("retrainCancel")
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        for button in (self.start_button, self.finetune_button, self.cancel_button):
            buttons.addWidget(button)

        self.progress = QProgressBar()
        self.progress.setObjectName("retrainProgress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setFormat("idle")
        self.status = QLabel("Choose a recipe and start. You can keep drawing while it trains.")
        self.status.setObjectName("retrainStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.chart = TrainingChart()

        self.result = ResultTable()
        self.result.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(recipe)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.result)
        self.resize(560, 620)

    def _connect(self) -> None:
        self.start_button.clicked.connect(self.start_training)
        self.finetune_button.clicked.connect(self.start_finetune)
        self.cancel_button.clicked.connect(self.cancel_training)
        self.result.use_clicked.connect(self._use_new_model)
        self.run.staged.connect(self._on_stage)
        self.run.started.connect(lambda e: self._say(f"Training {e.get('arch', '')} on {e.get('device', '?')}…"))
        self.run.progress.connect(self._on_progress)
        self.run.evaluated.connect(self._on_eval)
        self.run.succeeded.connect(self._on_success)
        self.run.failed.connect(self._on_failure)
        self.run.cancelled.connect(self._on_cancelled)
        self.by_budget.toggled.connect(self._sync_enabled)
        self._sync_enabled()

    # -- public --------------------------------------------------------------------------
    def set_current_model(self, name: str, path: str, card: dict) -> None:
        """The model in use now: fine-tuning starts from it, results are compared with it."""
        self._current_name, self._current_path, self._current_card = name, path, dict(card or {})
        self.finetune_button.setToolTip(_finetune_tip(self._current_card))
        self._sync_enabled()

    def set_corrections_count(self, count: int) -> None:
        """How many corrections the user has saved (fine-tuning needs some)."""
        self.include_corrections.setText(f"include my corrections ({count} drawings)")
        self.include_corrections.setEnabled(count > 0)
        self.include_corrections.setChecked(count > 0)
        self._sync_enabled()

    def recipe(self) -> Recipe:
        """The recipe chosen in the dialog."""
        by_budget = self.by_budget.isChecked()
        use_corrections = self.include_corrections.isEnabled() and self.include_corrections.isChecked()
        return Recipe(data_dir=self.data_dir.text().strip(), arch=self.network.currentData(),
                      augment=self.augment.currentText(),
                      device=self.device.currentText(),
                      time_budget=float(self.budget.value()) if by_budget else None,
                      epochs=None if by_budget else self.epochs.value(),
                      corrections=str(paths.corrections_file()) if use_corrections else None)

    def start_training(self) -> bool:
        """Train a new model from scratch with the chosen recipe."""
        return self._start("retrained", self.recipe())

    def start_finetune(self) -> bool:
        """Fine-tune the model in use on the user's corrections, within a short budget."""
        if not self._current_path:
            self._say("No model is in use to fine-tune: pick one in the Model menu first.", error=True)
            return False
        recipe = Recipe.finetune(self._current_path, str(paths.corrections_file()), finetune_budget_s(self._current_card),
                                 data_dir=self.data_dir.text().strip(), device=self.device.currentText())
        return self._start("finetuned", recipe)

    def cancel_training(self) -> None:
        """Stop the run; nothing is saved."""
        if self.run.running:
            self._say("Cancelling…")
            self.run.cancel()

    # -- run lifecycle -------------------------------------------------------------------
    def reject(self) -> None:
        """Esc or the close button: the dialog goes, a run keeps going and the main window shows it."""
        super().reject()
        if self.run.running:
            self.hidden_while_running.emit()

    def _start(self, stem: str, recipe: Recipe) -> bool:
        if self.run.running:
            self._say("A training run is already going: one at a time.")
            return False
        settings().setValue(Keys.MNIST_DIR, self.data_dir.text().strip())
        out = model_store.next_path(stem)
        self.chart.clear()
        self.result.hide()
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self._say("Starting the training process…")
        started = self.run.start(training_command(recipe, out, self.program), out)
        self._sync_enabled()
        return started

    def _on_stage(self, event: dict) -> None:
        fraction = float(event.get("fraction", 0.0))
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{event.get('stage', 'preparing')}…  {fraction:.0%}")

    def _on_progress(self, event: dict) -> None:
        fraction = float(event.get("fraction", 0.0))
        self.progress.setValue(int(fraction * 1000))
        self.progress.setFormat(f"{fraction:.0%}  ·  ETA {format_eta(event.get('eta_s'))}")
        self.chart.add(fraction * 100, float(event.get("loss", float("nan"))), float(event.get("accuracy", float("nan"))))

    def _on_eval(self, event: dict) -> None:
        accuracy = event.get("val_accuracy")
        if isinstance(accuracy, (int, float)):
            self._say(f"Epoch {event.get('epoch', '?')}: validation accuracy {accuracy:.2%}")

    def _on_success(self, event: dict) -> None:
        self._new_path = str(event.get("path"))
        self.progress.setValue(1000)
        self.progress.setFormat("done")
        self._say(f"Saved as {self._new_path}. It is listed in the Model menu; switch to it now or later.")
        baseline = event.get("baseline")
        if isinstance(baseline, dict):  # fine-tuned: the model it started from, measured on the same data
            self.result.show_result(self._current_name, baseline, event.get("figures", {}), "before")
        else:
            self.result.show_result(self._current_name, self._current_card.get("figures", {}), event.get("figures", {}))
        self._sync_enabled()

    def _on_failure(self, message: str) -> None:
        self.progress.setFormat("failed")
        hint = ""
        if "MNIST" in message or "download" in message.lower():
            hint = "\nTip: press Choose… and pick a folder that holds MNIST/raw with the four files."
        self._say(f"Training failed: {message}{hint}\nYour current model is unchanged.", error=True)
        self._sync_enabled()

    def _on_cancelled(self) -> None:
        self.progress.setFormat("cancelled")
        self._say("Training cancelled. Your current model is unchanged and nothing was saved.")
        self._sync_enabled()

    def _use_new_model(self) -> None:
        if self._new_path:
            self.use_model.emit(self._new_path)
            self.result.mark_used()
            self._say("Switched to the new model. The Model menu can switch back at any time.")

    # -- helpers -------------------------------------------------------------------------
    def _choose_data_dir(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder holding MNIST/raw", self.data_dir.text())
        if folder:
            self.data_dir.setText(folder)

    def _sync_enabled(self) -> None:
        running = self.run.running
        self.start_button.setEnabled(not running)
        self.finetune_button.setEnabled(not running and self.include_corrections.isEnabled() and bool(self._current_path))
        self.cancel_button.setEnabled(running)
        self.budget.setEnabled(self.by_budget.isChecked())
        self.epochs.setEnabled(not self.by_budget.isChecked())

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)


def _finetune_tip(card: dict) -> str:
    """The quick fine-tune button's tooltip for the model of this card (its time budget)."""
    return (f"About {finetune_budget_s(card)} seconds: the model in use, taught your corrections "
            "while it keeps practising on the original data")
