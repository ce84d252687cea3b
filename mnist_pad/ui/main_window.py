"""The main window: canvas, brush slider, live prediction, the 28x28 preview and the thin → thick chart.

It only presents and forwards input: strokes go to the inference worker as snapshots with a
sequence number, results come back by signal, and anything older than what is shown is dropped.
"""
from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractSpinBox, QApplication, QFileDialog, QLineEdit, QHBoxLayout, QLabel, QMainWindow, QMessageBox, QPushButton, QVBoxLayout, QWidget,
)
from superqt import QLabeledSlider
from superqt.utils import create_worker

from .. import paths
from ..files import write_atomic
from ..images import ImageError, read_gray
from ..raster import rasterize
from . import info_dialogs, texts
from .canvas import CANVAS_SIZE, Canvas
from .learning import Learning
from .model_menu import ModelMenu
from .number_mode import NumberMode
from .results import ResultsPanel
from .settings import settings
from .why import Why
from .worker import Inference, ModelInfo, SavedModelEntry

BRUSH_MIN, BRUSH_MAX, BRUSH_DEFAULT = 2, 50, 16
BRUSH_SLIDER_MIN_WIDTH = 180
SWEEP_WIDTHS = np.arange(BRUSH_MIN, BRUSH_MAX + 1, 2, dtype=float)
# Live predictions while drawing: one at a time, and at most one per half display frame (60 Hz).
# Sampling the input at twice the frame rate means every frame shows a prediction at most half a
# frame older than the newest input, whatever the input's phase; one per frame would add up to a
# whole frame of lag. A prediction costs ~1 ms of the worker's time, so this is cheap.
LIVE_INTERVAL_MS = 8
IN_FLIGHT_MS = 250  # an answer this late is given up on and the newest drawing asked for again
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"


class UndoKeysToTheDrawing(QObject):
    """Lets Ctrl+Z / Ctrl+Y / Ctrl+Shift+Z reach the window's Undo and Redo from a number box,
    whose own text undo would otherwise swallow them while it has the focus."""

    KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
                any(event.matches(key) for key in self.KEYS) or event.keyCombination().toCombined()
                == QKeySequence("Ctrl+Y")[0].toCombined()):
            event.ignore()  # not overridden: the window's shortcut fires
            return True
        return False


class MainWindow(QMainWindow):
    """Draw a digit, see what the network reads, and how brush width changes its mind."""

    min_interval_ms = LIVE_INTERVAL_MS
    model_changed = Signal(object)        # ModelInfo of the model now in use
    model_load_failed = Signal(str, str)  # what was asked for, why it failed
    saved_models_changed = Signal(object)  # list[SavedModelEntry]
    prediction_shown = Signal(int)        # sequence number of the prediction now on screen
    sweep_shown = Signal(int)
    picture_opened = Signal(str)          # a picture file was decoded and is now shown
    picture_failed = Signal(str, str)     # a picture file could not be opened, and why

    def __init__(self, model: str | Path | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("mnist-pad")
        self.setAcceptDrops(True)
        self.model_info: ModelInfo | None = None
        self.saved_models: list[SavedModelEntry] = []
        self._seq = 0            # last request number handed out
        self._floor = 0          # results older than this are stale (e.g. from before a clear)
        self._shown_seq = -1
        self._sweep_seq = -1
        self._last_sent = 0.0
        self._in_flight = False  # a live prediction is being computed
        self._pending = False    # the drawing changed since the last request
        self._picture: np.ndarray | None = None
        self._picture_request = 0  # only the newest File → Open or drop is shown
        self._fallback: str | None = None  # tried if the model being loaded fails
        self.error_box: QMessageBox | None = None
        self._build_widgets()
        self._build_menus()
        self._throttle = QTimer(self, singleShot=True, timeout=self._request_now)
        self.inference = Inference(CANVAS_SIZE, self)
        results = self.inference  # its signals arrive in the UI thread
        results.predicted.connect(self._on_predicted)
        results.swept.connect(self._on_swept)
        results.model_loaded.connect(self._on_model_loaded)
        results.model_failed.connect(self._on_model_failed)
        results.models_listed.connect(self._on_models_listed)
        results.request_failed.connect(self._on_request_failed)
        results.conversion_progress.connect(self.statusBar().showMessage)
        self._restore_settings()
        app = QApplication.instance()
        if app is not None:  # quitting without closing the window must still end the worker thread
            app.aboutToQuit.connect(self.inference.stop)
        stored = settings().value("model/last", paths.DEFAULT_MODEL)
        spec = str(model) if model is not None else str(stored or paths.DEFAULT_MODEL)
        fallback = paths.DEFAULT_MODEL if model is None and spec != paths.DEFAULT_MODEL else None
        self.load_model(spec, fallback)
        self.refresh_saved_models()
        self.learning = Learning(self)
        self.why = Why(self, SWEEP_WIDTHS, (BRUSH_MIN, BRUSH_MAX))
        self.number_mode = NumberMode(self)

    # -- layout ---------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.canvas = Canvas()
        self.edited_canvas = self.canvas  # the one shown and edited: this, or Number mode's wider one
        self.canvas.strokes_changed.connect(self._on_strokes_changed)
        self.canvas.wheel_steps.connect(lambda steps: self.set_brush_width(self.brush_width + 2 * steps))
        self.brush_slider = QLabeledSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setObjectName("brushWidth")
        self.brush_slider.setRange(BRUSH_MIN, BRUSH_MAX)
        self.brush_slider.setValue(BRUSH_DEFAULT)
        self.brush_slider.setToolTip("Brush width in canvas pixels ([ and ], or Ctrl+wheel on the canvas)")
        self.brush_slider.valueChanged.connect(self._on_width_changed)
        # Without a floor the layout squeezes the slider to a lone handle at the window's minimum size.
        self.brush_slider.setMinimumWidth(BRUSH_SLIDER_MIN_WIDTH)
        self._undo_keys = UndoKeysToTheDrawing(self)
        for box in self.brush_slider.findChildren(QAbstractSpinBox) + self.brush_slider.findChildren(QLineEdit):
            box.installEventFilter(self._undo_keys)
        self.canvas.set_brush_width(BRUSH_DEFAULT)
        self.undo_button = QPushButton("Undo")
        self.redo_button = QPushButton("Redo")
        self.clear_button = QPushButton("Clear")
        self.clear_button.setObjectName("clearButton")
        self.undo_button.clicked.connect(self.undo)
        self.redo_button.clicked.connect(self.redo)
        self.clear_button.clicked.connect(self.clear)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Brush width (px)"))
        controls.addWidget(self.brush_slider, 1)
        controls.addSpacing(16)
        for button in (self.undo_button, self.redo_button, self.clear_button):
            controls.addWidget(button)
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(controls)
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

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self._action("Open image…", self._choose_image, QKeySequence.StandardKey.Open, "actionOpenImage"))
        file_menu.addAction(self._action("Save drawing as PNG…", self._choose_png, QKeySequence.StandardKey.Save, "actionSavePng"))
        file_menu.addSeparator()
        file_menu.addAction(self._action("Quit", self.close, QKeySequence.StandardKey.Quit, "actionQuit"))
        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action("Undo", self.undo, QKeySequence("Ctrl+Z"), "actionUndo")
        self.redo_action = self._action("Redo", self.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")], "actionRedo")
        self.clear_action = self._action("Clear", self.clear, [QKeySequence("Esc"), QKeySequence("Delete")], "actionClear")
        for action in (self.undo_action, self.redo_action, self.clear_action):
            edit_menu.addAction(action)
        self.load_model_action = self._action("Load model file…", self._choose_model_file, None, "actionLoadModel")
        self.model_card_action = self._action("Model card…", self.show_model_card, None, "actionModelCard")
        self.retrain_action = self._action("Retrain…", None, None, "actionRetrain")  # see learning.py
        self.model_menu = ModelMenu([self.load_model_action, self.model_card_action, self.retrain_action], self)
        self.model_menu.model_chosen.connect(self.load_model)
        bar.addMenu(self.model_menu)
        help_menu = bar.addMenu("&Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self._action("How to read this window", self.show_reading_guide, None, "actionReadingGuide"))
        help_menu.addAction(self._action("Keyboard shortcuts", self.show_shortcuts, None, "actionShortcuts"))
        help_menu.addAction(self._action("About mnist-pad", self.show_about, None, "actionAbout"))
        self._sync_edit_actions()

    def _action(self, text, slot, shortcut, name) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if slot is not None:
            action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even where the menu bar is hidden
        return action

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

    def set_recognizer_from_path(self, path: str | Path) -> None:
        """Use the checkpoint at `path` (e.g. a freshly retrained model)."""
        self.load_model(Path(path))

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
        return not self._pending and not self._throttle.isActive() and self._seq in (self._shown_seq, self._floor)

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
        if canvas is self.canvas:
            self._request_now(sweep=True)

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

    def open_image(self, path: str | Path) -> None:
        """Classify a picture of a digit, decoded in a worker thread so the window stays responsive.

        picture_opened or picture_failed follows; an unreadable file shows a message and changes nothing.
        """
        self._picture_request += 1
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        decoding = create_worker(_decode_picture, self._picture_request, str(path), _start_thread=False)
        decoding.returned.connect(self._on_picture_decoded)
        decoding.start()

    def _on_picture_decoded(self, result: tuple[int, str, np.ndarray | None, str]) -> None:
        request, path, gray, problem = result
        if request != self._picture_request:
            return  # another picture was asked for since
        if gray is None:
            self.statusBar().clearMessage()
            self.show_error(f"Cannot open this image.\n\n{problem}")
            self.picture_failed.emit(path, problem)
            return
        image = QImage(np.ascontiguousarray(gray).data, gray.shape[1], gray.shape[0], gray.strides[0],
                       QImage.Format.Format_Grayscale8).copy()
        self.canvas.set_picture(image, gray)
        self._picture = gray
        self.statusBar().showMessage(f"Picture: {Path(path).name}", 5000)
        self.chart.clear_sweep("the sweep needs strokes: draw to see it")
        self._request_now()
        self.picture_opened.emit(path)

    def save_png(self, path: str | Path) -> bool:
        """Save the drawing at the current brush width, dark ink on white, 280x280."""
        if self.canvas.is_empty():
            self.show_error("There is no drawing to save yet.")
            return False
        paper = np.ascontiguousarray(255 - rasterize(self.canvas.strokes(), self.brush_width, CANVAS_SIZE))
        image = QImage(paper.data, CANVAS_SIZE, CANVAS_SIZE, paper.strides[0], QImage.Format.Format_Grayscale8)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        try:
            if not image.save(buffer, "PNG"):
                raise OSError("the PNG encoder failed")
            write_atomic(path, bytes(buffer.data()))
        except OSError as error:
            self.show_error(f"Could not save the drawing to {path}: {error.strerror or error}\n\nThe drawing is still here.")
            return False
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def show_error(self, text: str) -> None:
        """Tell the user something went wrong, without blocking (one box, reused)."""
        if self.error_box is None:
            self.error_box = QMessageBox(QMessageBox.Icon.Warning, "mnist-pad", "", QMessageBox.StandardButton.Ok, self)
            self.error_box.setObjectName("errorBox")
        self.error_box.setText(text)
        self.error_box.open()

    def show_model_card(self) -> None:
        """The model card as a table, with the commands that reproduce it in a copyable box."""
        info_dialogs.model_card_dialog(self.model_info, self).open()

    def show_shortcuts(self) -> None:
        info_dialogs.shortcuts_dialog(self.actions(), self).open()

    def show_reading_guide(self) -> None:
        info_dialogs.reading_guide_dialog(self).open()

    def show_about(self) -> None:
        self._info_box("About mnist-pad", texts.about_html(self.model_info))

    def _info_box(self, title: str, html: str) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, title, html, QMessageBox.StandardButton.Close, self)
        box.setTextFormat(Qt.TextFormat.RichText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # -- requests -------------------------------------------------------------------------
    def _on_strokes_changed(self, complete: bool) -> None:
        self._picture = self.canvas.picture_pixels  # Undo after drawing over a picture brings it back
        if self._picture is not None:
            self.chart.clear_sweep("the sweep needs strokes: draw to see it")
        self._sync_edit_actions()
        if complete:
            self._request_now(sweep=True)
        else:
            self._request_soon()

    def _on_width_changed(self, width: int) -> None:
        self.canvas.set_brush_width(width)
        self.chart.set_current_width(width)
        self._request_soon()

    def _request_soon(self) -> None:
        """Throttle: one live prediction at a time, at most one per frame, always ending with the latest."""
        self._pending = True
        waited_ms = (time.perf_counter() - self._last_sent) * 1000
        if self._throttle.isActive() or (self._in_flight and waited_ms < IN_FLIGHT_MS):
            return  # sent when the answer in flight arrives, or when the timer fires
        if waited_ms >= self.min_interval_ms:
            self._request_now()
        else:
            self._throttle.start(int(self.min_interval_ms - waited_ms) + 1)

    def _request_now(self, sweep: bool = False) -> None:
        self._throttle.stop()
        if self.edited_canvas is not self.canvas:
            return  # another mode owns the results panel
        self._pending = self._in_flight = False
        self._seq += 1
        self._last_sent = time.perf_counter()
        if self._picture is not None:
            if self.model_info is not None:
                self._in_flight = True
                self.inference.predict_picture(self._seq, self._picture)
            return
        strokes = self.canvas.strokes()
        if not strokes:
            self._floor = self._seq  # anything still in flight describes an older drawing
            self.results.show_empty("Draw a digit" if self.model_info else "loading model…")
            self.chart.clear_sweep()
            return
        if self.model_info is None:
            return
        self._in_flight = True
        self.inference.predict(self._seq, strokes, float(self.brush_width))
        if sweep:
            self.inference.sweep(self._seq, strokes, SWEEP_WIDTHS)

    # -- results --------------------------------------------------------------------------
    def _on_predicted(self, seq: int, image: np.ndarray, probabilities: np.ndarray) -> None:
        if seq == self._seq:
            self._in_flight = False
        if self._pending:
            self._request_soon()
        if seq < self._floor or seq <= self._shown_seq:
            return
        self._shown_seq = seq
        self.results.show_result(image, probabilities)
        self.prediction_shown.emit(seq)

    def _on_swept(self, seq: int, widths: np.ndarray, probabilities: np.ndarray) -> None:
        if seq < self._floor or seq <= self._sweep_seq or self._picture is not None:
            return
        self._sweep_seq = seq
        self.chart.set_sweep(widths, probabilities)
        self.sweep_shown.emit(seq)

    def _on_model_loaded(self, info: ModelInfo) -> None:
        # Qt, NumPy and the model left long-lived objects: keep the collector from rescanning them
        # mid-stroke (a full collection otherwise stalls the UI now and then).
        gc.freeze()
        self.model_info = info
        self._fallback = None
        self.model_status.setText(f"Model: {info.name}  ·  {info.device}")
        self.statusBar().showMessage(f"Model {info.name} ready", 3000)
        settings().setValue("model/last", info.spec)
        self.model_menu.set_current(info.spec)
        self.model_changed.emit(info)
        self._request_now(sweep=True)

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
        self._in_flight = False
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

    # -- files ----------------------------------------------------------------------------
    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a picture of a digit", "", IMAGE_FILTER)
        if path:
            self.open_image(path)

    def _choose_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save drawing as PNG", "digit.png", "PNG image (*.png)")
        if path:
            self.save_png(path if path.lower().endswith(".png") else path + ".png")

    def _choose_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a model checkpoint", str(paths.user_models_dir()),
                                              "mnist-pad models (*.pt *.onnx);;All files (*)")
        if path:
            self.load_model(path)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_image(files[0])

    # -- settings and shutdown ------------------------------------------------------------
    def _restore_settings(self) -> None:
        stored = settings()
        try:
            self.set_brush_width(float(stored.value("brush/width", BRUSH_DEFAULT)))
        except (TypeError, ValueError):
            self.set_brush_width(BRUSH_DEFAULT)
        geometry = stored.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)

    def save_settings(self) -> None:
        """Brush width and window geometry (the model is saved when one loads)."""
        stored = settings()
        stored.setValue("brush/width", self.brush_width)
        stored.setValue("window/geometry", self.saveGeometry())
        stored.sync()

    def closeEvent(self, event) -> None:
        if not self.learning.may_close():  # a training run is going and the user chose to keep it
            event.ignore()
            return
        self.save_settings()
        self.inference.stop()
        super().closeEvent(event)


def _decode_picture(request: int, path: str) -> tuple[int, str, np.ndarray | None, str]:
    """Runs in a worker thread: the request number, the path, the grey picture or None, and why not."""
    try:
        return request, path, read_gray(path), ""
    except ImageError as error:
        return request, path, None, str(error)
    except MemoryError:
        return request, path, None, f"{path}: too large to decode in the memory available"

