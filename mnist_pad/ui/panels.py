"""What the network thinks: the big digit with its confidence, ten bars, and the 28x28 it saw."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPixmap, QStaticText
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ..confidence import Reading
from ..numbers import NumberReading
from .pacing import update_paced
from .qimages import gray_image

# One colour per digit, shared by the bars and the thickness chart (Tableau 10's hues, darkened),
# placed so that digits often mistaken for each other (2/7, 1/7, 4/9, 3/5/8, 5/6) differ clearly.
# Each has a contrast of at least 3.5:1 on the light grey of the window and the bars' track
# (WCAG asks 3:1 for large text and graphics): test_colours checks it.
DIGIT_COLOURS = ("#b4457f", "#c25e00", "#c62828", "#00796b", "#2e7d32",
                 "#8a6d00", "#7b4fa0", "#1f5fa8", "#7a5230", "#5f5f66")
TRACK = "#ececef"
MUTED = "#8a8a90"
MAX_NUMBER_SHOWN = 5  # characters of a number read from a picture that fit the digit's place at its size


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two '#rrggbb' colours (1 to 21)."""
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def percent(probability: float) -> str:
    """A probability as a whole percentage, never rounding a doubt up to a certain "100%"."""
    return ">99%" if 0.99 < probability < 1 else f"{probability:.0%}"


def _restyle(label: QLabel, style: str) -> None:
    """Set a label's style sheet only when it changes: each call re-polishes the label and lays the
    window out again, which at every prediction cost the drawing its smoothness."""
    if label.styleSheet() != style:
        label.setStyleSheet(style)


class PredictionPanel(QWidget):
    """The predicted digit, large, with how sure the network is; a hint when there is nothing to read.

    The two labels are placed by the panel itself (`_place`), not by a layout. Their text changes with
    nearly every prediction while drawing ("97% sure", "98% sure"), and a label in a layout hands each
    change up to the window, which is then laid out again whole: ~130 times in 5 s of drawing, 0.5-4 ms
    of the UI thread each. The panel's own size never depends on its text, so the window never needs to.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.digit = QLabel(self)
        self.digit.setObjectName("prediction")
        self.digit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = QFont(self.font())
        font.setPointSize(64)
        self.digit.setFont(font)
        self.digit.setMinimumWidth(120)
        self.confidence = QLabel(self)
        self.confidence.setObjectName("confidence")
        self.confidence.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.confidence.setWordWrap(True)
        self.show_hint("Draw a digit")

    def sizeHint(self) -> QSize:
        """Room for the digit and one line below it, whatever they say."""
        return QSize(self.digit.minimumWidth(), self.digit.fontMetrics().height() + self.confidence.fontMetrics().lineSpacing())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a label's text or style changed (posted by Qt, at most once a turn)
            self._place()
        return super().event(event)

    def resizeEvent(self, event) -> None:
        self._place()
        super().resizeEvent(event)

    def _place(self) -> None:
        """The confidence at the bottom, as many lines tall as its text wraps to; the digit above, in the rest."""
        width, height = self.width(), self.height()
        below = min(max(self.confidence.heightForWidth(width), 0), height // 2)
        self.digit.setGeometry(0, 0, width, height - below)
        self.confidence.setGeometry(0, height - below, width, below)

    def show_probabilities(self, probabilities: np.ndarray) -> None:
        digit = int(np.argmax(probabilities))
        self.digit.setText(str(digit))
        _restyle(self.digit, f"color: {DIGIT_COLOURS[digit]}; font-weight: 600;")
        _restyle(self.confidence, "")
        self.confidence.setText(f"{percent(float(probabilities[digit]))} sure")

    def show_reading(self, reading: Reading) -> None:
        """The digit with its confidence; "unsure: 4 or 9?" when the model is, "doesn't look like a digit" for non-digits."""
        if reading.not_a_digit:
            self.digit.setText("?")
            _restyle(self.digit, f"color: {MUTED}; font-weight: 300;")
            _restyle(self.confidence, "")
            self.confidence.setText(reading.text)
        elif reading.unsure:
            self.show_probabilities(reading.probabilities)
            self.confidence.setText(reading.text)
        else:
            self.show_probabilities(reading.probabilities)

    def show_several(self, number: NumberReading) -> None:
        """A picture of several digits: the number they read as (when they do), and what to do instead."""
        text = number.text if len(number.digits) >= 2 and not number.not_a_number else "?"
        self.digit.setText(text if len(text) <= MAX_NUMBER_SHOWN else text[:MAX_NUMBER_SHOWN - 1] + "…")
        _restyle(self.digit, f"color: {MUTED}; font-weight: 300;")
        _restyle(self.confidence, "")
        self.confidence.setText("several digits, read as a number: press Number to see each one, or crop the picture to one digit"
                                if text != "?" else "several marks, not a number: crop the picture to one digit")

    def show_hint(self, text: str) -> None:
        """No guess: an empty canvas, a model still loading, or none loaded."""
        self.digit.setText("–")
        _restyle(self.digit, "color: #d4d4d8; font-weight: 300;")
        _restyle(self.confidence, f"color: {MUTED};")
        self.confidence.setText(text)


class ProbabilityBars(QWidget):
    """Ten horizontal bars, one per digit, with the percentage; the winner in its colour."""

    ROW = 22

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("probabilities")
        self.values = np.zeros(10, np.float32)
        self._cached: tuple[tuple, QPixmap] | None = None   # (size key, background pixmap)
        self._texts: dict[str, QStaticText] = {}
        self._other_bar = QColor("#a9b4c2")
        self._painted_look: tuple = ()  # what the last set_values asked to be painted (see _look)
        self._text_widths: tuple[int, int] | None = None  # (label, percentage) column widths in this font
        self.setMinimumSize(200, 10 * self.ROW)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(260, 10 * self.ROW)

    def set_values(self, probabilities: np.ndarray) -> None:
        self.values = np.asarray(probabilities, np.float32).copy()
        look = self._look()
        if look != self._painted_look:  # most predictions while drawing change nothing one can see
            self._painted_look = look
            update_paced(self)

    def _look(self) -> tuple:
        """What painting the values would draw: the winner, which bars show, their lengths to a quarter pixel,
        the percentages. A repaint costs ~1 ms of the UI thread beside the busy worker."""
        if not self.values.any():
            return ()
        lengths = self._columns()[1] * self.values
        return (int(np.argmax(self.values)), tuple((lengths >= 1.0).tolist()), tuple(np.round(lengths * 4).astype(int).tolist()),
                tuple(percent(value) for value in self.values.tolist()))

    def paintEvent(self, event: QPaintEvent) -> None:
        # It repaints at every prediction, beside a worker that wants the GIL: what never changes (the
        # muted digits and the empty tracks) comes from one pixmap, texts are cached QStaticTexts.
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background())
        if not self.values.any():
            painter.end()
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        label_width, track_width = self._columns()
        best = int(np.argmax(self.values))
        lengths = track_width * self.values
        painter.setPen(Qt.PenStyle.NoPen)
        for digit in np.flatnonzero(lengths >= 1.0):  # a trace of probability is not worth a mark
            length = float(lengths[digit])
            painter.setBrush(QColor(DIGIT_COLOURS[digit]) if digit == best else self._other_bar)
            radius = min(3.0, length / 2)
            painter.drawRoundedRect(QRectF(label_width, digit * self.ROW + 5, length, self.ROW - 10), radius, radius)
        painter.setPen(self.palette().windowText().color())
        self._draw_text(painter, str(best), label_width - 6, best, erase=True)
        painter.setPen(QColor(MUTED))
        for digit, value in enumerate(self.values.tolist()):
            if digit == best:
                painter.setPen(self.palette().windowText().color())
            self._draw_text(painter, percent(value), self.width() - 2, digit)
            if digit == best:
                painter.setPen(QColor(MUTED))
        painter.end()

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._cached, self._texts, self._text_widths = None, {}, None
        super().changeEvent(event)

    def _columns(self) -> tuple[int, int]:
        """(label column, track) widths. The text widths are measured once per font: this runs at every
        prediction (see _look), and two font measurements were a third of its cost."""
        if self._text_widths is None:
            metrics = self.fontMetrics()
            self._text_widths = (metrics.horizontalAdvance("0") + 10, metrics.horizontalAdvance("100%") + 8)
        label_width, value_width = self._text_widths
        return label_width, max(10, self.width() - label_width - value_width)

    def _draw_text(self, painter: QPainter, text: str, right: float, digit: int, erase: bool = False) -> None:
        """`text` right-aligned at `right`, centred in the digit's row (over its muted twin when `erase`)."""
        static = self._texts.get(text)
        if static is None:
            static = self._texts[text] = QStaticText(text)
            static.prepare(font=self.font())
        size = static.size()
        top = digit * self.ROW + (self.ROW - size.height()) / 2
        if erase:
            painter.fillRect(QRectF(right - size.width() - 1, top, size.width() + 2, size.height()), self.palette().window())
        painter.drawStaticText(QPointF(right - size.width(), top), static)

    def _background(self) -> QPixmap:
        """The muted digit labels and the empty tracks at this size, painted once."""
        key = (self.width(), self.height(), self.devicePixelRatioF())
        if self._cached is None or self._cached[0] != key:
            pixmap = QPixmap(QSize(self.width(), self.height()) * key[2])
            pixmap.setDevicePixelRatio(key[2])
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setFont(self.font())
            label_width, track_width = self._columns()
            for digit in range(10):
                top = digit * self.ROW
                painter.setPen(QColor(MUTED))
                painter.drawText(QRectF(0, top, label_width - 6, self.ROW),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(digit))
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(TRACK))
                painter.drawRoundedRect(QRectF(label_width, top + 5, track_width, self.ROW - 10), 3, 3)
            painter.end()
            self._cached = (key, pixmap)
        return self._cached[1]


class Preview28(QWidget):
    """The centred 28x28 image the model saw, scaled up with hard pixel edges."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("preview28")
        self.image = np.zeros((28, 28), np.uint8)
        self._qimage = gray_image(self.image)
        self.setFixedSize(28 * 4 + 2, 28 * 4 + 2)
        self.setToolTip("What the network sees: your drawing rasterized, shrunk to 20 px and centred in 28x28, as in MNIST")

    def set_image(self, image: np.ndarray) -> None:
        image = np.ascontiguousarray(image, np.uint8)
        if np.array_equal(image, self.image):
            return  # a fifth of the predictions while drawing: the pen moved too little to change the 28x28
        self.image = image
        self._qimage = gray_image(self.image)
        update_paced(self)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.fillRect(self.rect(), QColor("#c8c8cc"))
        painter.drawImage(self.rect().adjusted(1, 1, -1, -1), self._qimage)
        painter.end()
