"""The main window: canvas, brush slider, live prediction, the 28x28 preview and the thin → thick chart.

It lays out the parts and wires them: canvas → live predictions (ui/live_predictions.py) → results
panel; files (ui/window_files.py), menus built from the actions the parts hand it
(ui/window_menus.py), and switching models. Learning, Why and Number mode attach to it.
About 350 lines: the layout and the wiring of every part meet here; each part's own logic is elsewhere.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication, QHBoxLayout, QLabel, QLineEdit, QMainWindow, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)

from .. import paths
from ..confidence import Reading
from ..saved_drawing import SavedDrawing
from .canvas import CANVAS_SIZE, Canvas
from .labeled_slider import LabeledSlider
from .learning import Learning
from .live_predictions import LivePredictions
from .number_mode import NumberMode
from .qimages import gray_image
from .results import ResultsPanel
from .serving import NUMBER_KINDS
from .settings import Keys, settings
from .why import Why
from .window_files import WindowFiles
from .window_menus import UndoKeysToTheDrawing, build_menus
from .worker import Inference, ModelInfo, SavedModelEntry

BRUSH_MIN, BRUSH_MAX, BRUSH_DEFAULT = 2, 50, 16
BRUSH_SLIDER_MIN_WIDTH = 180
SWEEP_WIDTHS = np.arange(BRUSH_MIN, BRUSH_MAX + 1, 2, dtype=float)


class MainWindow(QMainWindow):
    """Draw a digit, see what the network reads, and how brush width changes its mind."""

    model_changed = Signal(object)        # ModelInfo of the model now in use
    model_load_failed = Signal(str, str)  # what was asked for, why it failed
    saved_models_changed = Signal(object)  # list[SavedModelEntry]
    prediction_shown = Signal(int)        # sequence number of the prediction now on screen
    sweep_shown = Signal(int)
    picture_opened = Signal(str)          # a picture file was decoded and is now shown
    picture_failed = Signal(str, str)     # a picture file could not be opened, and why
    drawing_opened = Signal(str)          # a PNG this app saved: its strokes are on the canvas again
    canvas_swapped = Signal()             # another canvas is drawn on now (Number mode's, or the digit canvas)

    def __init__(self, model: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("mnist-pad")
        self.setAcceptDrops(True)
        self.model_info: ModelInfo | None = None
        self.saved_models: list[SavedModelEntry] = []
        self._fallback: str | None = None  # tried if the model being loaded fails
        self.error_box: QMessageBox | None = None
        self._build_widgets()
        self.inference = Inference(CANVAS_SIZE, self)
        self.live = LivePredictions(self.inference, lambda: (self.canvas.strokes(), self.brush_width), SWEEP_WIDTHS, self)
        self._wire()
        self._restore_settings()
        app = QApplication.instance()
        if app is not None:  # quitting without closing the window must still end the inference worker
            app.aboutToQuit.connect(self.inference.stop)
        stored = settings().value(Keys.LAST_MODEL, paths.DEFAULT_MODEL)
        spec = str(model) if model is not None else str(stored or paths.DEFAULT_MODEL)
        fallback = paths.DEFAULT_MODEL if model is None and spec != paths.DEFAULT_MODEL else None
        self.load_model(spec, fallback)
        self.refresh_saved_models()
        self.learning = Learning(self)
        self.why = Why(self, SWEEP_WIDTHS, (BRUSH_MIN, BRUSH_MAX))
        self.number_mode = NumberMode(self)
        self.edit_actions, self.model_menu = build_menus(self, self.learning.model_actions, self.why.view_actions)
        self.undo_action, self.redo_action = self.edit_actions.undo, self.edit_actions.redo
        self.retrain_action = self.learning.retrain_action
        self.model_menu.model_chosen.connect(self.load_model)
        self.model_menu.delete_requested.connect(self.learning.delete_saved_model)
        self._sync_edit_actions()

    # -- layout and wiring ------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.canvas = Canvas()
        self.edited_canvas = self.canvas  # the one shown and edited: this, or Number mode's wider one
        self.canvas.wheel_steps.connect(lambda steps: self.set_brush_width(self.brush_width + 2 * steps))
        self.brush_slider = LabeledSlider()
        self.brush_slider.setObjectName("brushWidth")
        self.brush_slider.setRange(BRUSH_MIN, BRUSH_MAX)
        self.brush_slider.setValue(BRUSH_DEFAULT)
        self.brush_slider.setToolTip("Brush width in canvas pixels ([ and ], or Ctrl+wheel on the canvas)")
        self.brush_slider.valueChanged.connect(self._on_width_changed)
        # Without a floor the layout squeezes the slider to a lone handle at the window's minimum size.
        self.brush_slider.setMinimumWidth(BRUSH_SLIDER_MIN_WIDTH)
        self._undo_keys = UndoKeysToTheDrawing(self)
        for box in [self.brush_slider.spin_box, *self.brush_slider.spin_box.findChildren(QLineEdit)]:
            box.installEventFilter(self._undo_keys)
        self.canvas.set_brush_width(BRUSH_DEFAULT)
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearButton")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.clear_button.clicked.connect(self.clear)
        brush = QHBoxLayout()
        brush.addWidget(QLabel("Brush width (px)"))
        brush.addWidget(self.brush_slider, 1)
        # A row of their own: beside the slider they made the window ~1070 px wide at least, too wide
        # to dock the why views beside it on a 1280 px screen.
        edits = QHBoxLayout()
        for button in (self.undo_button, self.redo_button, self.clear_button):
            edits.addWidget(button)
        edits.addStretch(1)
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(brush)
        left.addLayout(edits)
        self._left = left

        self.results = ResultsPanel((BRUSH_MIN, BRUSH_MAX))
        self.prediction, self.preview = self.results.prediction, self.results.preview
        self.bars, self.chart = self.results.bars, self.results.chart
        self.chart.set_current_width(BRUSH_DEFAULT)
        self.chart.width_chosen.connect(self.set_brush_width)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(14, 14, 14, 10)
        layout.setSpacing(18)
        layout.addLayout(left, 1)
        layout.addWidget(self.results)
        self.setCentralWidget(central)
        self.model_status = QLabel()
        self.model_status.setObjectName("modelStatus")
        self.statusBar().addPermanentWidget(self.model_status)
        for key, step in (("[", -2), ("]", 2)):
            QShortcut(QKeySequence(key), self, lambda step=step: self.set_brush_width(self.brush_width + step))
        self.resize(1060, 720)

    def _wire(self) -> None:
        """canvas → live predictions → results, and the worker's other answers."""
        self.canvas.strokes_changed.connect(self._on_strokes_changed)
        self.live.predicted.connect(self._show_prediction)
        self.live.swept.connect(self._show_sweep)
        self.live.emptied.connect(self._show_empty)
        self.files = WindowFiles(self)
        self.files.picture_decoded.connect(self._show_picture)
        self.files.drawing_decoded.connect(self._show_saved_drawing)
        self.files.strokes_unreadable.connect(lambda path, why: self.statusBar().showMessage(
            f"Opened {Path(path).name} as a picture: {why}.", 10000))
        self.files.picture_failed.connect(self._picture_failed)
        self.files.model_chosen.connect(self.load_model)
        self.files.saved.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 5000))
        self.files.save_failed.connect(self.show_error)
        results = self.inference  # its signals arrive in the UI thread
        results.model_loaded.connect(self._on_model_loaded)
        results.model_failed.connect(self._on_model_failed)
        results.models_listed.connect(self._on_models_listed)
        results.request_failed.connect(self._on_request_failed)
        results.conversion_progress.connect(self.statusBar().showMessage)
        results.worker_restarted.connect(self.statusBar().showMessage)

    # -- public: model switching (also for a retraining dialog) ---------------------------
    def load_model(self, spec: str | Path, fallback: str | None = None) -> None:
        """Switch to a shipped model ('robust', 'plain') or a checkpoint file, loaded in the worker.

        On failure an error names the file and the reason, and the current model stays in use.
        """
        self._fallback = fallback
        self.statusBar().showMessage(f"loading model {Path(str(spec)).name}…")
        if self.model_info is None:
            self.prediction.show_hint("loading model…")
        self.inference.load(str(spec), fallback)

    def refresh_saved_models(self) -> None:
        """Re-read the user's models folder; the Model menu lists them (saved_models_changed fires)."""
        self.inference.list_models()

    @property
    def brush_width(self) -> int:
        return self.brush_slider.value()

    def set_brush_width(self, width: float) -> None:
        """Set the brush (clamped to the slider's range); strokes re-render and re-predict."""
        self.brush_slider.setValue(int(round(min(BRUSH_MAX, max(BRUSH_MIN, width)))))

    def is_up_to_date(self) -> bool:
        """True when the prediction shown is for the current drawing and brush (nothing pending)."""
        return self.live.is_up_to_date()

    def use_canvas(self, canvas: Canvas) -> None:
        """Draw on `canvas` instead (e.g. Number mode's): it takes the digit canvas's place, Edit acts on it,
        and the window's own live prediction pauses until the digit canvas is back."""
        if self._left.indexOf(canvas) < 0:
            self._left.insertWidget(self._left.indexOf(self.canvas) + 1, canvas, 1)
            canvas.strokes_changed.connect(lambda _complete: self._sync_edit_actions())
        self.edited_canvas.hide()
        self.edited_canvas = canvas
        canvas.show()
        self._sync_edit_actions()
        self.live.paused = canvas is not self.canvas  # the other canvas's mode owns the results panel
        if canvas is self.canvas:
            self.live.request_now(sweep=True)
        self.canvas_swapped.emit()

    def add_under_canvas(self, widget: QWidget) -> None:
        """Place another control row (e.g. a corrections bar) under the brush controls."""
        self._left.addWidget(widget)

    # -- public: editing ------------------------------------------------------------------
    def undo(self) -> None:
        self.edited_canvas.undo()

    def redo(self) -> None:
        self.edited_canvas.redo()

    def clear(self) -> None:
        self.edited_canvas.clear()

    def load_drawing(self, strokes, brush_width: float, canvas: tuple[int, int], number_sheet: bool = False) -> float:
        """Put strokes drawn on a canvas of this (width, height) on the digit canvas, or on Number mode's
        sheet, scaled to fit it, at their brush width scaled alike; Undo brings back what was there.
        Returns the brush width now set."""
        if self.number_mode.active != number_sheet:
            self.number_mode.set_active(number_sheet)
        target = self.edited_canvas
        paper_width, paper_height = target.sheet_size()
        scale = min(paper_width / canvas[0], paper_height / canvas[1])
        target.load_strokes([[(x * scale, y * scale) for x, y in stroke] for stroke in strokes])
        self.set_brush_width(brush_width * scale)
        self._sync_edit_actions()
        return self.brush_width

    def open_image(self, path: str | Path) -> None:
        """Classify a picture of a digit, decoded in a worker thread so the window stays responsive.

        picture_opened or picture_failed follows; an unreadable file shows a message and changes nothing.
        """
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.files.open_picture(path)

    def save_png(self, path: str | Path) -> bool:
        """Save the drawing on the canvas in use at the current brush width, dark ink on white, with
        its strokes inside: opened here again, it can be re-rendered at any width."""
        canvas = self.edited_canvas
        if canvas.is_empty():
            self.show_error("There is no drawing to save yet.")
            return False
        return self.files.save_png(path, canvas.strokes(), self.brush_width, canvas.sheet_size())

    def show_error(self, text: str) -> None:
        """Tell the user something went wrong, without blocking (one box, reused)."""
        if self.error_box is None:
            self.error_box = QMessageBox(QMessageBox.Icon.Warning, "mnist-pad", "", QMessageBox.StandardButton.Ok, self)
            self.error_box.setObjectName("errorBox")
        self.error_box.setText(text)
        self.error_box.open()

    def show_model_card(self) -> None:
        """The model card as a table, with the commands that reproduce it in a copyable box."""
        from . import info_dialogs  # imported when first opened, not on the way to the window

        info_dialogs.model_card_dialog(self.model_info, self).open()

    def show_about(self) -> None:
        """Help → About, naming the model in use."""
        from . import info_dialogs

        info_dialogs.about_box(self.model_info, self).open()

    # -- results ----------------------------------------------------------------------------
    def _on_strokes_changed(self, complete: bool) -> None:
        self._sync_edit_actions()
        picture = self.canvas.picture_pixels
        if picture is None:
            self.live.drawing_changed(complete)
        else:  # Undo after drawing over a picture brought the picture back
            self.chart.clear_sweep("the sweep needs strokes: draw to see it")
            self.live.show_picture(picture)

    def _on_width_changed(self, width: int) -> None:
        self.canvas.set_brush_width(width)
        self.chart.set_current_width(width)
        self.live.request_soon()

    def _show_prediction(self, seq: int, image: np.ndarray, reading: Reading) -> None:
        self.results.show_result(image, reading)
        self.prediction_shown.emit(seq)

    def _show_sweep(self, seq: int, widths: np.ndarray, probabilities: np.ndarray) -> None:
        self.chart.set_sweep(widths, probabilities)
        self.sweep_shown.emit(seq)

    def _show_empty(self) -> None:
        self.results.show_empty("Draw a digit" if self.model_info else "loading model…")
        self.chart.clear_sweep()

    def _show_picture(self, path: str, gray: np.ndarray) -> None:
        if self.number_mode.active:  # read as a number, digit by digit, on Number mode's canvas
            self.number_mode.show_picture(gray)
        else:
            self.canvas.set_picture(gray_image(gray), gray)
            self.chart.clear_sweep("the sweep needs strokes: draw to see it")
            self.live.show_picture(gray)
        self._sync_edit_actions()  # the picture replaced the strokes, and their undo and redo history
        self.statusBar().showMessage(f"Picture: {Path(path).name}", 5000)
        self.picture_opened.emit(path)

    def _show_saved_drawing(self, path: str, drawing: SavedDrawing) -> None:
        """A PNG saved here: its strokes go back on the canvas they suit (Number mode's for a wide one)."""
        width = self.load_drawing(drawing.strokes, drawing.brush_width, drawing.canvas, number_sheet=drawing.wide)
        self.statusBar().showMessage(f"Opened the strokes of {Path(path).name} ({width:.0f} px): "
                                     "the brush slider re-renders them; Undo goes back.", 10000)
        self.drawing_opened.emit(path)

    def _picture_failed(self, path: str, problem: str) -> None:
        self.statusBar().clearMessage()
        self.show_error(f"Cannot open this image.\n\n{problem}")
        self.picture_failed.emit(path, problem)

    # -- model switching ------------------------------------------------------------------
    def _on_model_loaded(self, info: ModelInfo) -> None:
        self.model_info = info
        self._fallback = None
        self.model_status.setText(f"Model: {info.name}  ·  {info.device}")
        self.statusBar().showMessage(f"Model {info.name} ready", 3000)
        settings().setValue(Keys.LAST_MODEL, info.spec)
        self.model_menu.set_current(info.spec)
        self.live.model_ready = True
        self.model_changed.emit(info)
        self.live.request_now(sweep=True)

    def _on_model_failed(self, spec: str, message: str) -> None:
        if self._fallback and spec != self._fallback:
            self.show_error(f"Could not load the model used last time.\n\n{message}\n\nLoading {self._fallback} instead.")
            self.model_load_failed.emit(spec, message)
            return
        self._fallback = None
        keeping = f"Still using {self.model_info.name}." if self.model_info else (
            "No model is loaded: you can draw, and pick one in the Model menu.")
        self.statusBar().clearMessage()
        if self.model_info is None:
            self.model_status.setText("Model: none")
            self.results.show_empty("no model loaded")
        self.show_error(f"Could not load the model.\n\n{message}\n\n{keeping}")
        self.model_menu.set_current(self.model_info.spec if self.model_info else None)
        self.model_load_failed.emit(spec, message)

    def _on_request_failed(self, kind: str, message: str) -> None:
        if kind not in NUMBER_KINDS:  # number mode reports its own requests' failures
            self.show_error(f"Recognition failed ({kind}): {message}")

    def _on_models_listed(self, entries: list[SavedModelEntry]) -> None:
        self.saved_models = list(entries)
        self.model_menu.set_saved_models(self.saved_models)
        self.saved_models_changed.emit(self.saved_models)

    def _sync_edit_actions(self) -> None:
        drawing = self.edited_canvas.drawing
        self.undo_action.setEnabled(drawing.can_undo)
        self.redo_action.setEnabled(drawing.can_redo)
        self.undo_button.setEnabled(drawing.can_undo)
        self.redo_button.setEnabled(drawing.can_redo)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self.files.accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self.files.drop(event)

    # -- settings and shutdown ------------------------------------------------------------
    def _restore_settings(self) -> None:
        stored = settings()
        try:
            self.set_brush_width(float(stored.value(Keys.BRUSH_WIDTH, BRUSH_DEFAULT)))
        except (TypeError, ValueError):
            self.set_brush_width(BRUSH_DEFAULT)
        geometry = stored.value(Keys.GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    def save_settings(self) -> None:
        """Brush width and window geometry (the model is saved when one loads)."""
        stored = settings()
        stored.setValue(Keys.BRUSH_WIDTH, self.brush_width)
        stored.setValue(Keys.GEOMETRY, self.saveGeometry())
        stored.sync()

    def closeEvent(self, event) -> None:
        if not self.learning.may_close():  # a training run is going and the user chose to keep it
            event.ignore()
            return
        self.save_settings()
        self.inference.stop()
        super().closeEvent(event)
