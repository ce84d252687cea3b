"""Number mode's canvas: a wider sheet, each digit boxed with its reading, dividers to regroup by hand.

Above the paper, each digit's reading and confidence: click one to select that digit. Below it,
the divider bar: click to split there, drag a divider's handle to move it, click a handle to merge
the digits either side. The paper itself is for drawing, exactly as on the digit canvas.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from ..numbers import NumberReading, merge_at, split_at
from .canvas import CANVAS_SIZE, Canvas
from .panels import percent

ASPECT = 3.0
NUMBER_CANVAS = (int(CANVAS_SIZE * ASPECT), CANVAS_SIZE)  # logical (width, height) in canvas pixels
BAND = 30           # widget pixels above the paper (readings) and below it (dividers)
HANDLE = 9          # how near a divider's handle a click must be, widget pixels
LABEL_GAP = 8       # widget pixels kept between two digits' readings above the paper
SURE = QColor("#2f7d32")
UNSURE = QColor("#c77700")
SELECTED = QColor("#1565c0")
DIVIDER = QColor("#7a7a80")


class NumberCanvas(Canvas):
    """Draw a number; digits are boxed with their readings; dividers below the paper regroup them."""

    aspect = ASPECT
    hint = "Write a number here"
    digit_selected = Signal(int)           # index of the digit clicked in the readings band
    boundaries_edited = Signal(object)     # tuple[float, ...]: the dividers as the user left them

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("numberCanvas")
        self.setMinimumSize(2 * CANVAS_SIZE, CANVAS_SIZE * 2 // 3 + 2 * BAND)
        self.setToolTip("Write a number. Click a reading above to select its digit; "
                        "click the bar below to split, click a divider to merge, drag it to move.")
        self.reading: NumberReading | None = None
        self.selected = 0
        self._dragging: int | None = None
        self._drag_start = self._drag_position = 0.0
        self._drag_moved = False

    def set_reading(self, reading: NumberReading | None, selected: int = 0) -> None:
        """Show the boxes, readings and dividers of this reading (None: nothing read yet)."""
        self.reading, self.selected = reading, selected
        self._dragging = None
        self.update()

    @property
    def boundaries(self) -> tuple[float, ...]:
        return self.reading.boundaries if self.reading is not None else ()

    def paper_rect(self) -> QRectF:
        """The paper: the widest centred 3:1 rectangle that leaves room for the two bands."""
        return self._centred_paper(self.height() - 2 * BAND)

    def drawing_area(self) -> QRect:
        """All of it: the digits' boxes (as wide as the brush) and their readings reach into the bands."""
        return self.rect()

    # -- input: the bands; the paper draws as the base canvas does ----------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        paper = self.paper_rect()
        y = event.position().y()
        if event.button() != Qt.MouseButton.LeftButton or paper.top() <= y <= paper.bottom():
            super().mousePressEvent(event)
            return
        x = self.to_canvas(event.position())[0]
        if y < paper.top():
            self._select_at(x)
            return
        near = self._divider_near(event.position().x())
        if near is None:
            self.boundaries_edited.emit(split_at(self.boundaries, x))
        else:
            self._dragging, self._drag_start, self._drag_moved = near, event.position().x(), False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._dragging is None:
            super().mouseMoveEvent(event)
            return
        self._drag_moved |= abs(event.position().x() - self._drag_start) > 3
        self._drag_position = self.to_canvas(event.position())[0]
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._dragging is None:
            super().mouseReleaseEvent(event)
            return
        index, self._dragging = self._dragging, None
        if self._drag_moved:
            moved = list(self.boundaries)
            moved[index] = self.to_canvas(event.position())[0]
            self.boundaries_edited.emit(tuple(sorted(moved)))
        else:
            self.boundaries_edited.emit(merge_at(self.boundaries, index))

    def _select_at(self, x: float) -> None:
        if self.reading is None or not self.reading.digits:
            return
        centres = [(d.box[0] + d.box[2]) / 2 for d in self.reading.digits]
        index = min(range(len(centres)), key=lambda i: abs(centres[i] - x))
        self.selected = index
        self.update()
        self.digit_selected.emit(index)

    def _divider_near(self, widget_x: float) -> int | None:
        distances = [abs(self.to_widget(b, 0).x() - widget_x) for b in self.boundaries]
        if distances and min(distances) <= HANDLE:
            return distances.index(min(distances))
        return None

    def divider_handle(self, index: int) -> QPointF:
        """Where divider `index`'s handle is, in widget coordinates (for tests and tooltips)."""
        paper = self.paper_rect()
        return QPointF(self.to_widget(self.boundaries[index], 0).x(), paper.bottom() + BAND / 2)

    def reading_label(self, index: int) -> QPointF:
        """Where digit `index`'s reading is shown above the paper, in widget coordinates."""
        box = self.reading.digits[index].box
        return QPointF(self.to_widget((box[0] + box[2]) / 2, 0).x(), self.paper_rect().top() - BAND / 2)

    def reading_labels(self, metrics: QFontMetrics) -> list[tuple[QRectF, str]]:
        """Each digit's reading above the paper, "7  98%" (as the results panel words it: "7  >99%", never a
        doubt rounded up to "100%"), and where it goes; only the digits when those
        would run into each other (small digits close together: a click on one shows its probabilities)."""
        digits = self.reading.digits
        centres = [self.reading_label(i) for i in range(len(digits))]
        order = sorted(range(len(digits)), key=lambda i: centres[i].x())
        texts = [f"{d.digit if d.sure else '?'}  {percent(d.confidence)}" for d in digits]
        widths = [metrics.horizontalAdvance(text) + LABEL_GAP for text in texts]
        if any(centres[b].x() - centres[a].x() < (widths[a] + widths[b]) / 2 for a, b in zip(order, order[1:])):
            texts = [f"{d.digit if d.sure else '?'}" for d in digits]
            widths = [metrics.horizontalAdvance(text) + LABEL_GAP for text in texts]
        labels = []
        for centre, text, width in zip(centres, texts, widths):
            label = QRectF(0, 0, width, BAND - 4)
            label.moveCenter(centre)
            labels.append((label, text))
        return labels

    # -- painting -------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        paper = self.paper_rect()
        self._paint_dividers(painter, paper)
        if self.reading is not None:
            self._paint_digits(painter)
        painter.end()

    def _paint_digits(self, painter: QPainter) -> None:
        margin = self.brush_width / 2 + 3
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        for index, digit in enumerate(self.reading.digits):
            left, top, right, bottom = digit.box
            box = QRectF(self.to_widget(left - margin, top - margin), self.to_widget(right + margin, bottom + margin))
            colour = SELECTED if index == self.selected else (SURE if digit.sure else UNSURE)
            painter.setPen(QPen(colour, 2.5 if index == self.selected else 1.2, Qt.PenStyle.SolidLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(box, 4, 4)
        for label, text in self.reading_labels(painter.fontMetrics()):
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, text)
        painter.setPen(QPen(SURE, 1.2))
        for separator in self.reading.separators:  # a decimal point or comma: boxed, its character above
            left, top, right, bottom = separator.box
            painter.drawRoundedRect(QRectF(self.to_widget(left - margin, top - margin),
                                           self.to_widget(right + margin, bottom + margin)), 3, 3)
            label = QRectF(0, 0, 20, BAND - 4)
            label.moveCenter(QPointF(self.to_widget(separator.x, 0).x(), self.paper_rect().top() - BAND / 2))
            painter.drawText(label, Qt.AlignmentFlag.AlignCenter, separator.char)

    def _paint_dividers(self, painter: QPainter, paper: QRectF) -> None:
        bar = QRectF(paper.left(), paper.bottom() + 4, paper.width(), BAND - 8)
        painter.fillRect(bar, QColor(0, 0, 0, 18))
        boundaries = list(self.boundaries)
        if self._dragging is not None and self._drag_moved:
            boundaries[self._dragging] = self._drag_position
        if not boundaries:
            painter.setPen(DIVIDER)
            painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, "click here to split a digit in two" if self.picture is None
                             else "a picture's digits are found in its ink: dividers regroup drawn numbers")
        for x in boundaries:
            at = self.to_widget(x, 0).x()
            painter.setPen(QPen(DIVIDER, 1, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(at, paper.top()), QPointF(at, paper.bottom()))
            painter.setPen(QPen(DIVIDER, 1))
            painter.setBrush(DIVIDER)
            painter.drawEllipse(QPointF(at, bar.center().y()), 5, 5)
