"""The "why" views: the attribution map, each stroke's effect, and how MNIST-like the drawing is.

They only present results computed in the inference worker (mnist_pad.attribution and
mnist_pad.morphometry); nothing here runs the model.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QSizePolicy, QWidget

from ..morphometry import Morphometry, Reference
from .pacing import update_paced
from .panels import DIGIT_COLOURS, MUTED, TRACK, percent
from .pixels import heat_pixels
from .qimages import argb_image, gray_image

MEASURE_NAMES = {"thickness": ("stroke thickness", "px", "thinner", "thicker"),
                 "slant": ("slant", "°", "more to the left", "more to the right"),
                 "width": ("width", "px", "narrower", "wider"),
                 "height": ("height", "px", "shorter", "taller")}


def heat_image(heat: np.ndarray) -> QImage:
    """A heat map as a translucent ARGB image: red where the pixels support the answer, blue where they oppose it."""
    return argb_image(heat_pixels(heat))


class WhyMap(QWidget):
    """The 28x28 input the network saw with its attribution map over it, hard pixel edges."""

    PIXEL = 5

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("whyMap")
        self.image = np.zeros((28, 28), np.uint8)
        self.heat = np.zeros((28, 28), np.float32)
        self._input = self._overlay = None
        self.setFixedSize(28 * self.PIXEL + 2, 28 * self.PIXEL + 2)
        self.setToolTip("Red: hiding these pixels lowers the network's belief in its answer; "
                        "blue: hiding them raises it (occlusion map)")
        self.set_map(self.image, self.heat)

    def set_map(self, image: np.ndarray, heat: np.ndarray) -> None:
        """Show the input (uint8 28x28) and its heat map (float 28x28)."""
        self.image = np.ascontiguousarray(image, np.uint8)
        self.heat = np.asarray(heat, np.float32)
        # Shown darker than the model sees it, so the colours stay visible over the ink.
        self._input = gray_image(self.image // 2)
        self._overlay = heat_image(self.heat)
        update_paced(self)

    def clear(self) -> None:
        """Nothing drawn: a blank map."""
        self.set_map(np.zeros((28, 28), np.uint8), np.zeros((28, 28), np.float32))

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.fillRect(self.rect(), QColor("#c8c8cc"))
        inner = self.rect().adjusted(1, 1, -1, -1)
        painter.drawImage(inner, self._input)
        painter.drawImage(inner, self._overlay)
        painter.end()


class StrokeEffects(QListWidget):
    """One row per stroke: what the network reads without it. The hovered stroke's row is selected."""

    stroke_hovered = Signal(int)  # the row under the mouse, -1 when none

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("strokeEffects")
        self.setMouseTracking(True)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumHeight(90)
        self.setWordWrap(True)  # a note (see show_note) is longer than the list is wide
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemEntered.connect(lambda item: self.stroke_hovered.emit(self.row(item)))
        self._rows: list[tuple[str, str, bool]] = []
        self.setToolTip("Point at a stroke on the canvas (or a row here) to see it highlighted")

    def set_effects(self, effects: list, answer: int) -> None:
        """Rows for these StrokeEffects; a stroke whose removal changes the answer is in bold."""
        rows = []
        for effect in effects:
            if effect.digit is None:
                text, colour = "nothing left to read", MUTED
            else:
                text, colour = f"{effect.digit} ({percent(effect.probability)})", DIGIT_COLOURS[effect.digit]
            rows.append((f"Stroke {effect.stroke + 1}: without this stroke: {text}", colour,
                         effect.digit is not None and effect.digit != answer))
        if rows == self._rows:
            return  # they follow the drawing many times a second; an unchanged list is not rebuilt
        self.clear()
        self._rows = rows
        for text, colour, bold in rows:
            item = QListWidgetItem(text)
            item.setForeground(QColor(colour))
            if bold:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.addItem(item)

    def clear(self) -> None:
        self._rows = []
        super().clear()

    def show_note(self, text: str) -> None:
        """No strokes to explain, and why: one muted row that cannot be selected."""
        self.clear()
        item = QListWidgetItem(text)
        item.setForeground(QColor(MUTED))
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        self.addItem(item)

    def highlight(self, index: int) -> None:
        """Select the row of stroke `index` (-1 clears the selection)."""
        if 0 <= index < self.count():
            self.setCurrentRow(index)
        else:
            self.clearSelection()

    def leaveEvent(self, event) -> None:
        self.stroke_hovered.emit(-1)
        super().leaveEvent(event)


def _likeness_text(label: str, value: float, unit: str, side: str, share: float) -> str:
    """"height 20.2 px: taller than 99% of MNIST": `share` of MNIST strictly on the far side, rounded down,
    so a drawing within MNIST's range never reads "100%"; beyond it (share 100), "than any MNIST digit"."""
    if share >= 100:
        return f"{label} {value:.1f} {unit}: {side} than any MNIST digit"
    return f"{label} {value:.1f} {unit}: {side} than {int(share)}% of MNIST"


class MnistLikeness(QWidget):
    """Where the drawing's thickness, slant, width and height sit among MNIST's training digits."""

    ROW = 34

    def __init__(self, reference: Reference, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mnistLikeness")
        self.reference = reference
        self.ranks: dict[str, float] = {}
        self.texts: dict[str, str] = {}
        # wide enough for the longest line a drawing can get, so no line is ever cut off
        longest = max((_likeness_text(label, -99.9, unit, max(below, above, key=len), share)
                       for label, unit, below, above in MEASURE_NAMES.values() for share in (99.0, 100.0)),
                      key=self.fontMetrics().horizontalAdvance)
        self.setMinimumSize(self.fontMetrics().horizontalAdvance(longest) + 16, len(MEASURE_NAMES) * self.ROW)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip("The grey band holds the middle 90% of MNIST's digits, the tick is their median; "
                        "the dot is your drawing (Morpho-MNIST's measures of the 28x28 input)")

    def sizeHint(self) -> QSize:
        return QSize(max(280, self.minimumWidth()), len(MEASURE_NAMES) * self.ROW)

    def set_measures(self, measured: Morphometry | None) -> None:
        """Place a drawing's measures; None (no ink) empties the view."""
        self.ranks, self.texts = {}, {}
        if measured is not None:
            for name, value in measured.as_dict().items():
                label, unit, below, above = MEASURE_NAMES[name]
                share_below, share_above = self.reference.shares(name, value)
                rank = self.reference.rank(name, value)
                share = share_below if rank >= 50 else share_above
                side = above if rank >= 50 else below
                self.ranks[name] = rank
                self.texts[name] = _likeness_text(label, value, unit, side, share)
        update_paced(self)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_colour = self.palette().windowText().color()
        width = self.width() - 12
        for row, name in enumerate(MEASURE_NAMES):
            top = row * self.ROW
            label = self.texts.get(name, f"{MEASURE_NAMES[name][0]}: draw to measure")
            painter.setPen(text_colour if name in self.ranks else QColor(MUTED))
            painter.drawText(QRectF(6, top, width, 16), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            track = QRectF(6, top + 19, width, 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(TRACK))
            painter.drawRoundedRect(track, 3, 3)
            painter.setBrush(QColor("#c4c4ca"))
            painter.drawRect(QRectF(track.left() + track.width() * 0.05, track.top(), track.width() * 0.9, track.height()))
            painter.setBrush(QColor("#66666b"))
            painter.drawRect(QRectF(track.center().x() - 1, track.top() - 2, 2, track.height() + 4))
            if name in self.ranks:
                x = track.left() + track.width() * self.ranks[name] / 100
                painter.setBrush(QColor(DIGIT_COLOURS[7]))
                painter.drawEllipse(QRectF(x - 6, track.center().y() - 6, 12, 12))
        painter.end()
