"""Corrections in the GUI: the "it was a …" buttons and the "My drawings" list.

Saving and loading are the core's (mnist_pad.corrections); this module only presents.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
    QToolButton, QVBoxLayout, QWidget,
)

from .. import corrections
from ..raster import rasterize
from .qimages import gray_image

THUMBNAIL = 64
THUMBNAILS_PER_TICK = 12  # ~1 ms each: listed a few at a time so the window stays responsive


class CorrectionBar(QWidget):
    """A row of 0–9 buttons: "Wrong? It was a …". Emits the digit chosen."""

    label_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("corrections")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        caption = QLabel("Wrong? It was a")
        caption.setToolTip("Teach the model: your drawing and the right digit are saved to My drawings (Ctrl+0 … Ctrl+9)")
        layout.addWidget(caption)
        for digit in range(10):
            button = QToolButton(text=str(digit))
            button.setObjectName(f"correct{digit}")
            button.setAutoRaise(False)
            button.setFixedWidth(26)
            button.setToolTip(f"Save this drawing as a {digit} (Ctrl+{digit})")
            button.clicked.connect(lambda _=False, d=digit: self.label_chosen.emit(d))
            layout.addWidget(button)
        layout.addStretch()


def thumbnail(correction: corrections.Correction) -> QPixmap:
    """The drawing as the user drew it, dark on light, scaled down for a list."""
    ink = rasterize(correction.strokes, correction.brush_width, correction.canvas_size)
    return QPixmap.fromImage(gray_image(255 - ink)).scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)


class MyDrawingsDialog(QDialog):
    """Lists the saved corrections with thumbnails; the user can delete any of them."""

    changed = Signal(int)  # the number of records left
    loaded = Signal(int)   # the file was read (the number of records); thumbnails follow

    def __init__(self, path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("myDrawings")
        self.setWindowTitle("My drawings")
        self.path = Path(path)
        self.list = QListWidget()
        self.list.setObjectName("myDrawingsList")
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.delete_button = QPushButton("Delete selected")
        self.delete_button.setObjectName("myDrawingsDelete")
        self.delete_button.clicked.connect(self.delete_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.resize(560, 420)
        self.records: list[corrections.Correction] = []
        self._unpainted: list[corrections.Correction] = []
        self._generation = 0  # results of an older reload are dropped
        self._report_change = False  # a deletion awaits the re-read to say how many are left
        self._painter = QTimer(self, interval=0, timeout=self._paint_some)
        self.reload()

    def reload(self) -> None:
        """Read the file again in a worker thread; a damaged line is skipped and counted, never fatal."""
        self._generation += 1
        self._unpainted = []  # items about to be deleted
        self.list.clear()
        self.records = []
        self.summary.setText("Reading your drawings…")
        from superqt.utils import create_worker  # on first use: importing superqt loads all its widgets (~0.25 s)

        reading = create_worker(self._read, self._generation, _start_thread=False)
        reading.returned.connect(self._show)
        reading.errored.connect(self._show_error)
        reading.start()

    def _read(self, generation: int) -> tuple[int, list[corrections.Correction], int]:
        records, skipped = corrections.load(self.path)  # in the worker thread: a large file never blocks the UI
        return generation, records, skipped

    def _show(self, result: tuple[int, list[corrections.Correction], int]) -> None:
        generation, records, skipped = result
        if generation != self._generation:
            return  # a newer reload is on its way
        self.records = records
        self._unpainted = list(reversed(records))  # popped from the end: first drawings first
        self._painter.start()
        text = f"{len(records)} drawings you corrected, saved in {self.path}."
        if skipped:
            text += f" {skipped} damaged line(s) in the file were skipped."
        if not records:
            text = "No corrections yet. When the model misreads a drawing, press the right digit under the canvas."
        self.summary.setText(text)
        self.loaded.emit(len(records))
        if self._report_change:
            self._report_change = False
            self.changed.emit(len(records))

    def _show_error(self, error: Exception) -> None:
        self.summary.setText(str(error))
        self.loaded.emit(0)

    def _paint_some(self) -> None:
        """Add a few more drawings with their thumbnails, so a long list never stalls the window."""
        for _ in range(min(THUMBNAILS_PER_TICK, len(self._unpainted))):
            record = self._unpainted.pop()
            item = QListWidgetItem(QIcon(thumbnail(record)), f"{record.label}  ·  {record.brush_width:.0f}px")
            item.setData(Qt.ItemDataRole.UserRole, record.line_id)
            item.setToolTip(record.time or "")
            self.list.addItem(item)
        if not self._unpainted:
            self._painter.stop()

    def delete_selected(self) -> None:
        """Remove the selected drawings from the file; drawings saved meanwhile and unreadable lines stay."""
        chosen = [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]
        if not chosen:
            return
        try:
            corrections.delete(self.path, chosen)
        except corrections.CorrectionsError as error:
            self.summary.setText(f"Nothing was deleted: {error}")
            return
        self._report_change = True
        self.reload()
