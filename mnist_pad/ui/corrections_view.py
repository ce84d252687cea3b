"""Corrections in the GUI: the "it was a …" buttons and the "My drawings" gallery.

Saving and loading are the core's (mnist_pad.corrections); this module only presents. Deleting
asks no confirmation, for one drawing or many: every deletion can be undone (Undo, Ctrl+Z) for as
long as the app runs, which protects as well without a question to click through by habit.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
    QToolButton, QVBoxLayout, QWidget,
)

from .. import corrections
from ..raster import rasterize
from .qimages import gray_image

THUMBNAIL = 64
THUMBNAIL_MARGIN = 0.08  # paper left around the ink, as a share of the thumbnail
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
        self.caption = QLabel("Wrong? It was a")
        layout.addWidget(self.caption)
        self.buttons: list[QToolButton] = []
        for digit in range(10):
            button = QToolButton(text=str(digit))
            button.setObjectName(f"correct{digit}")
            button.setAutoRaise(False)
            button.setFixedWidth(26)
            button.clicked.connect(lambda _=False, d=digit: self.label_chosen.emit(d))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch()
        self._reason: str | None = None
        self.set_unavailable("")

    def set_unavailable(self, reason: str) -> None:
        """Disable the buttons and say why in the row's tooltips ("" enables them again).

        Called at every change of the drawing: only a new reason touches the eleven widgets."""
        if reason == self._reason:
            return
        self._reason = reason
        self.caption.setToolTip(reason or "Teach the model: your drawing and the right digit are saved to "
                                "My drawings (Ctrl+0 … Ctrl+9)")
        for digit, button in enumerate(self.buttons):
            button.setEnabled(not reason)
            button.setToolTip(reason or f"Save this drawing as a {digit} (Ctrl+{digit})")


def thumbnail(correction: corrections.Correction) -> QPixmap:
    """The drawing's ink, cropped to its bounding box and centred, dark on light, for a gallery."""
    ink = rasterize(correction.strokes, correction.brush_width, correction.canvas_size)
    rows, columns = np.nonzero(ink.max(axis=1))[0], np.nonzero(ink.max(axis=0))[0]
    if rows.size:  # a small digit in a corner fills its thumbnail like any other
        ink = ink[rows[0]:rows[-1] + 1, columns[0]:columns[-1] + 1]
    side = int(max(ink.shape) / (1 - 2 * THUMBNAIL_MARGIN))
    top, left = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    square = np.zeros((side, side), np.uint8)
    square[top:top + ink.shape[0], left:left + ink.shape[1]] = ink
    return QPixmap.fromImage(gray_image(255 - square)).scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation)


class MyDrawingsDialog(QDialog):
    """The saved corrections as a gallery: double-click opens one on the canvas; Delete, with Undo."""

    changed = Signal(int)  # the number of records left
    loaded = Signal(int)   # the file was read (the number of records); thumbnails follow
    open_requested = Signal(object)  # a Correction the user double-clicked (or pressed Enter on)

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
        self.list.setToolTip("Double-click a drawing (or press Enter) to open it on the canvas; Delete removes it")
        self.list.itemActivated.connect(self._open_item)  # double-click, or Enter
        self.summary = QLabel()
        self.summary.setObjectName("myDrawingsSummary")
        self.summary.setWordWrap(True)
        self.delete_button = QPushButton("Delete selected")
        self.delete_button.setObjectName("myDrawingsDelete")
        self.delete_button.setToolTip("Delete the selected drawings (Delete key); Undo brings them back")
        self.delete_button.clicked.connect(self.delete_selected)
        self.delete_button.setEnabled(False)  # until a drawing is selected
        self.list.itemSelectionChanged.connect(
            lambda: self.delete_button.setEnabled(bool(self.list.selectedItems())))
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setObjectName("myDrawingsUndo")
        self.undo_button.setToolTip("Bring back the drawings deleted last (Ctrl+Z)")
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo_delete)
        for keys in (QKeySequence.StandardKey.Delete, QKeySequence(Qt.Key.Key_Backspace)):
            QShortcut(keys, self.list, self.delete_selected, context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo_delete)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.delete_button)
        buttons.addWidget(self.undo_button)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self.resize(560, 420)
        self.records: list[corrections.Correction] = []
        self._deleted: list[list[bytes]] = []  # file lines of each deletion, newest last, for Undo
        self._note = ""  # what the last deletion or undo did, shown after the count
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
        text = f"{_drawings(len(records))} you corrected, saved in {self.path}."
        if skipped:
            text += f" {skipped} damaged line(s) in the file were skipped."
        if not records:
            text = "No corrections yet. When the model misreads a drawing, press the right digit under the canvas."
        self.summary.setText(f"{self._note} {text}" if self._note else text)
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
            item.setData(Qt.ItemDataRole.UserRole + 1, record)
            item.setToolTip(record.time or "")
            self.list.addItem(item)
        if not self._unpainted:
            self._painter.stop()

    def delete_selected(self) -> None:
        """Remove the selected drawings from the file (undoable); drawings saved meanwhile and unreadable lines stay."""
        chosen = [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]
        if not chosen:
            return
        try:
            removed = corrections.delete(self.path, chosen)
        except corrections.CorrectionsError as error:
            self.summary.setText(f"Nothing was deleted: {error}")
            return
        self._deleted.append(removed)
        self.undo_button.setEnabled(True)
        self._note = f"Deleted {_drawings(len(removed))}; Undo (Ctrl+Z) brings {'it' if len(removed) == 1 else 'them'} back."
        self._report_change = True
        self.reload()

    def undo_delete(self) -> None:
        """Put the drawings deleted last back into the file (at its end), exactly as they were saved."""
        if not self._deleted:
            return
        try:
            corrections.restore(self.path, self._deleted[-1])
        except corrections.CorrectionsError as error:
            self.summary.setText(f"Nothing was restored: {error}")
            return
        restored = self._deleted.pop()
        self.undo_button.setEnabled(bool(self._deleted))
        self._note = f"Restored {_drawings(len(restored))}."
        self._report_change = True
        self.reload()

    def _open_item(self, item: QListWidgetItem) -> None:
        self.open_requested.emit(item.data(Qt.ItemDataRole.UserRole + 1))


def _drawings(count: int) -> str:
    return "1 drawing" if count == 1 else f"{count} drawings"
