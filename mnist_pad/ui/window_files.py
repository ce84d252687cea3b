"""Files for the main window: open a picture (menu or drag and drop), save the drawing as PNG,
choose a model file. Pictures are decoded in a worker thread so the window stays responsive.

A PNG this app saved carries its strokes (mnist_pad.saved_drawing): opening it brings the drawing
back, to be re-rendered at any brush width; a damaged strokes chunk falls back to the picture."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMainWindow

from .. import paths
from ..drawing import Strokes
from ..files import write_atomic
from ..images import ImageError
from ..saved_drawing import KEY, DrawingFileError, SavedDrawing, from_text, png_bytes
from .background import run_in_background
from .settings import Keys, settings

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
MODEL_FILTER = "mnist-pad models (*.pt *.onnx);;All files (*)"


class WindowFiles(QObject):
    """File → Open image, Save drawing as PNG, Load model file, and pictures dropped on the window."""

    picture_decoded = Signal(str, object)  # path, grey picture (uint8 H x W)
    drawing_decoded = Signal(str, object)  # path, SavedDrawing: a PNG this app saved, with its strokes
    strokes_unreadable = Signal(str, str)  # path, why its saved strokes were not used (the picture is shown)
    picture_failed = Signal(str, str)      # path, why it could not be opened
    model_chosen = Signal(str)             # a model file picked in the file dialog
    saved = Signal(str)                    # path of a PNG just written
    save_failed = Signal(str)              # a message for the user

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self._request = 0  # only the newest File → Open or drop is shown

    def open_picture(self, path: str | Path) -> None:
        """Decode a picture in a worker thread; picture_decoded or picture_failed follows."""
        self._request += 1
        run_in_background(self, _decode_picture, self._request, str(path), returned=self._on_decoded)

    def save_png(self, path: str | Path, strokes: Strokes, brush_width: float, canvas: tuple[int, int]) -> bool:
        """Write the strokes at this brush width, dark ink on white, the canvas's size, with the strokes
        themselves inside (atomically)."""
        try:
            data, with_strokes = png_bytes(SavedDrawing(tuple(map(tuple, strokes)), float(brush_width), canvas))
            write_atomic(path, data)
        except OSError as error:
            self.save_failed.emit(f"Could not save the drawing to {path}: {error.strerror or error}\n\n"
                                  "The drawing is still here.")
            return False
        self.saved.emit(str(path) if with_strokes else
                        f"{path} (the picture only: its strokes are too many to keep in the file)")
        return True

    def choose_picture(self) -> None:
        """File → Open image… (in the folder used last)"""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a picture of a digit", str(picture_folder()),
                                              IMAGE_FILTER)
        if path:
            remember_folder(path)
            self.window.open_image(path)

    def choose_png(self) -> None:
        """File → Save drawing as PNG… (in the folder used last)"""
        name = "number.png" if self.window.number_mode.active else "digit.png"
        path, _ = QFileDialog.getSaveFileName(self.window, "Save drawing as PNG", str(picture_folder() / name),
                                              "PNG image (*.png)")
        if path:
            remember_folder(path)
            self.window.save_png(path if path.lower().endswith(".png") else path + ".png")

    def choose_model_file(self) -> None:
        """Model → Load model file…"""
        path, _ = QFileDialog.getOpenFileName(self.window, "Load a model checkpoint", str(paths.user_models_dir()),
                                              MODEL_FILTER)
        if path:
            self.model_chosen.emit(path)

    def accept_drag(self, event: QDragEnterEvent) -> None:
        """The window's dragEnterEvent: accept local files."""
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def drop(self, event: QDropEvent) -> None:
        """The window's dropEvent: open the first local file dropped."""
        files = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.window.open_image(files[0])

    def _on_decoded(self, result: tuple[int, str, np.ndarray | SavedDrawing | None, str]) -> None:
        request, path, decoded, problem = result
        if request != self._request:
            return  # another picture was asked for since
        if decoded is None:
            self.picture_failed.emit(path, problem)
        elif isinstance(decoded, SavedDrawing):
            self.drawing_decoded.emit(path, decoded)
        else:
            self.picture_decoded.emit(path, decoded)
            if problem:
                self.strokes_unreadable.emit(path, problem)


def picture_folder() -> Path:
    """Where File → Open image… and Save drawing as PNG… start: the folder used last, else the
    user's Pictures folder, else home (never the folder the app happened to be started in)."""
    stored = settings().value(Keys.PICTURE_DIR, "")
    if stored and Path(str(stored)).is_dir():
        return Path(str(stored))
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures) if pictures and Path(pictures).is_dir() else Path.home()


def remember_folder(path: str) -> None:
    settings().setValue(Keys.PICTURE_DIR, str(Path(path).parent))


def _decode_picture(request: int, path: str) -> tuple[int, str, np.ndarray | SavedDrawing | None, str]:
    """Runs in a worker thread: the request number, the path, the drawing saved in it, else the grey
    picture, else None; and what went wrong (with a picture: why its saved strokes were not used)."""
    from ..picture import read_file  # here, not at start-up: the picture reading's module is not needed before

    try:
        gray, text = read_file(path, KEY)
    except ImageError as error:
        return request, path, None, str(error)
    except MemoryError:
        return request, path, None, f"{path}: too large to decode in the memory available"
    if text is None:
        return request, path, gray, ""
    try:
        return request, path, from_text(text), ""
    except DrawingFileError as error:
        return request, path, gray, str(error)
