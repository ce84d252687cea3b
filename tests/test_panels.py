"""The result widgets: the probability bars, and what keeps live drawing smooth (no needless relayout or restyle)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from mnist_pad.ui.corrections_view import CorrectionBar
from mnist_pad.ui.panels import DIGIT_COLOURS, TRACK, PredictionPanel, Preview28, ProbabilityBars
from mnist_pad.ui.thickness_chart import ThicknessChart


def _pixel(image, x, digit):
    return QColor(image.pixel(int(x), digit * ProbabilityBars.ROW + ProbabilityBars.ROW // 2)).name()


def test_bars_show_the_winner_in_its_colour_and_repaint_with_new_values(qtbot):
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.resize(300, 10 * ProbabilityBars.ROW)
    label_width, track_width = bars._columns()
    middle = label_width + track_width * 0.5
    empty = bars.grab().toImage()
    assert _pixel(empty, middle, 2) == TRACK  # an empty track, no bar yet

    bars.set_values(np.array([0.01, 0, 0.9, 0.07, 0, 0, 0, 0.02, 0, 0]))
    image = bars.grab().toImage()
    assert _pixel(image, middle, 2) == DIGIT_COLOURS[2]          # 90%: past the middle, in its colour
    assert _pixel(image, label_width + track_width * 0.03, 3) == "#a9b4c2"  # 7%: a short grey bar
    assert _pixel(image, middle, 3) == TRACK

    bars.set_values(np.array([0, 0, 0.1, 0, 0, 0, 0, 0, 0, 0.9]))
    image = bars.grab().toImage()
    assert _pixel(image, middle, 9) == DIGIT_COLOURS[9] and _pixel(image, middle, 2) == TRACK



def test_bars_repaint_only_when_what_they_show_changes(qtbot):
    """Predictions arrive ~60 a second while drawing; most move no bar by a visible amount nor change a
    percentage: those are not painted again (each paint costs the UI thread ~1 ms beside the worker)."""
    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.resize(300, 10 * ProbabilityBars.ROW)
    bars.show()
    qtbot.waitExposed(bars)
    paints = _Counter(bars, QEvent.Type.Paint)
    sure = np.array([0, 0, 0, 0, 0, 0, 0, 0.9999, 0.0001, 0])
    bars.set_values(sure)
    qtbot.waitUntil(lambda: paints.count >= 1)
    qtbot.wait(100)  # that paint, and any the showing left
    painted = paints.count
    for tiny in (1e-7, 2e-7, -1e-7):
        bars.set_values(sure + np.eye(10)[8] * tiny - np.eye(10)[7] * tiny)  # the same bars, the same ">99%"
        qtbot.wait(30)
    assert paints.count == painted
    assert bars.values[8] == np.float32(0.0001 - 1e-7)  # the values are kept all the same (corrections read them)
    bars.set_values(np.array([0, 0, 0, 0, 0, 0, 0, 0.95, 0.05, 0]))  # a visible change
    qtbot.waitUntil(lambda: paints.count > painted)
    qtbot.wait(30)
    painted = paints.count
    bars.set_values(np.zeros(10))  # nothing to read: the bars go
    qtbot.waitUntil(lambda: paints.count > painted)


class _Counter(QObject):
    """Counts the events of some types a widget receives."""

    def __init__(self, widget, *types):
        super().__init__()
        self.types, self.count = set(types), 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event):
        if event.type() in self.types:
            self.count += 1
        return False


def test_a_changing_legend_never_resizes_the_chart(qtbot):
    """While drawing, the top digits come and go: the legend row keeps its height, so the plot above
    it is never resized (a resized pyqtgraph plot lays itself out and repaints whole, a long stall)."""
    chart = ThicknessChart((4.0, 50.0))
    panel = QWidget()
    layout = QVBoxLayout(panel)
    layout.addWidget(chart)
    layout.addWidget(chart.legend)
    qtbot.addWidget(panel)
    panel.resize(420, 360)
    panel.show()
    qtbot.waitUntil(lambda: chart._plot is not None)
    widths = np.linspace(4, 50, 16)
    one = np.zeros((16, 10))
    one[:, 7] = 1.0
    chart.set_sweep(widths, one)
    qtbot.wait(20)
    height, resizes = chart.height(), _Counter(chart, QEvent.Type.Resize)
    several = np.full((16, 10), 0.1)
    for probabilities in (several, one, np.zeros((16, 10)), several):
        chart.set_sweep(widths, probabilities)
        chart.set_comparison(widths, several, "plain")
        qtbot.wait(20)
    assert chart.height() == height and resizes.count == 0
    assert len(chart.legend.entries) == 6 and chart.legend.isVisible()


def test_unchanged_states_do_not_restyle_or_retip_widgets(qtbot):
    """Each prediction and each mouse move re-states what is shown; only real changes reach Qt."""
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    panel.show()
    styles = _Counter(panel.digit, QEvent.Type.StyleChange, QEvent.Type.PaletteChange, QEvent.Type.FontChange)
    panel.show_probabilities(np.eye(10)[3] * 0.9)
    first = styles.count
    for _ in range(5):
        panel.show_probabilities(np.eye(10)[3] * 0.8)
    assert styles.count == first
    panel.show_probabilities(np.eye(10)[5])
    assert styles.count > first  # a new digit, a new colour

    bar = CorrectionBar()
    qtbot.addWidget(bar)
    tips = _Counter(bar.buttons[0], QEvent.Type.ToolTipChange)
    for _ in range(5):
        bar.set_unavailable("")
    assert tips.count == 0
    bar.set_unavailable("an opened picture cannot be a correction")
    assert tips.count == 1 and not bar.buttons[0].isEnabled()


def test_a_new_confidence_never_lays_the_window_out_again(qtbot):
    """While drawing, the confidence changes at nearly every prediction ("97% sure", "98% sure"): the
    panel places its labels itself, so the window around it is never laid out again for that."""
    window = QWidget()
    layout = QVBoxLayout(window)
    panel = PredictionPanel()
    layout.addWidget(panel)
    layout.addStretch()
    qtbot.addWidget(window)
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)
    relayouts = _Counter(window, QEvent.Type.LayoutRequest)
    for share in np.linspace(0.6, 0.99, 12):
        panel.show_probabilities(np.eye(10)[3] * share)
        qtbot.wait(2)
    panel.show_probabilities(np.eye(10)[7])  # another digit, in another colour
    panel.show_hint("Draw a digit")
    qtbot.wait(20)
    assert relayouts.count == 0
    assert panel.confidence.text() == "Draw a digit" and panel.digit.text() == "–"


def test_a_new_legend_never_lays_the_window_out_again(qtbot):
    """The top digits under the thin -> thick chart change as one draws: the legend row is fixed in both
    directions, so its new text never has the window around it laid out again."""
    from mnist_pad.ui.results import WIDTH, ResultsPanel

    panel = ResultsPanel((4.0, 50.0))
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.waitUntil(lambda: panel.chart._plot is not None)
    qtbot.wait(20)
    relayouts = _Counter(panel, QEvent.Type.LayoutRequest)
    widths = np.linspace(4, 50, 16)
    for top in ((7,), (7, 1), (1, 4, 9), (3,)):
        probabilities = np.zeros((16, 10))
        probabilities[:, list(top)] = 1 / len(top)
        panel.chart.set_sweep(widths, probabilities)
        panel.chart.set_comparison(widths, probabilities, "plain")
        qtbot.wait(5)
    qtbot.wait(20)
    assert relayouts.count == 0
    assert panel.chart.legend.width() == WIDTH and "3 (plain)" in panel.chart.legend.text().replace("&nbsp;", " ")


def test_the_confidence_gets_the_lines_its_text_needs_and_the_digit_the_rest(qtbot):
    panel = PredictionPanel()
    qtbot.addWidget(panel)
    panel.resize(294, 134)
    panel.show()
    qtbot.waitExposed(panel)
    line = panel.confidence.fontMetrics().lineSpacing()

    def placed() -> tuple[int, int]:
        qtbot.wait(5)
        digit, confidence = panel.digit.geometry(), panel.confidence.geometry()
        assert digit.top() == 0 and digit.bottom() + 1 == confidence.top() and confidence.bottom() + 1 == panel.height()
        assert digit.width() == confidence.width() == 294
        return digit.height(), confidence.height()

    panel.show_probabilities(np.eye(10)[3] * 0.97)
    assert placed() == (134 - line, line)
    long = "several digits, read as a number: press Number to see each one, or crop the picture to one digit"
    panel.confidence.setText(long)
    digit, confidence = placed()
    assert confidence >= 2 * line and digit == 134 - confidence
    assert confidence == panel.confidence.heightForWidth(294)
    panel.resize(294, 160)  # a taller panel: the digit takes the room
    assert placed() == (160 - confidence, confidence)
    assert panel.sizeHint().height() <= 134  # what it asks for holds the digit and a line, whatever the text


def test_a_picture_of_several_digits_names_the_number_or_says_it_is_none(qtbot):
    from mnist_pad.numbers import DigitReading, NumberReading

    def number(*digits: int, non_digit: bool = False) -> NumberReading:
        return NumberReading(tuple(DigitReading((i,), (40.0 * i, 0.0, 40.0 * i + 30, 60.0), np.eye(10)[d],
                                                np.zeros((28, 28), np.uint8), not_a_digit_probability=0.99 * non_digit)
                                   for i, d in enumerate(digits)), (), ())

    panel = PredictionPanel()
    qtbot.addWidget(panel)
    panel.show_several(number(7, 4))
    assert panel.digit.text() == "74" and panel.confidence.text().startswith("several digits, read as a number")
    panel.show_several(number(1, 2, 3, 4, 5, 6, 7, 8))
    assert panel.digit.text() == "1234…"  # a long number is cut to fit the digit's place
    panel.show_several(number(1, 2, 3, non_digit=True))
    assert panel.digit.text() == "?" and panel.confidence.text() == "several marks, not a number: crop the picture to one digit"
    panel.show_several(number(5))
    assert panel.digit.text() == "?"


def test_the_thickness_chart_labels_every_percent_tick_from_0_to_100(qtbot):
    """pyqtgraph leaves out a tick label that does not fit inside its axis: the "0%" at the plot's
    bottom edge was never shown."""
    from PySide6.QtGui import QImage, QPainter

    chart = ThicknessChart((4.0, 50.0))
    qtbot.addWidget(chart)
    chart.resize(420, 200)
    chart.show()
    qtbot.waitUntil(lambda: chart._plot is not None)
    qtbot.wait(20)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = chart.plot().getAxis("left").generateDrawSpecs(painter)
    finally:
        painter.end()
    assert [text for _, _, text in texts] == ["0%", "25%", "50%", "75%", "100%"]


def test_the_legend_breaks_lines_between_entries_never_inside_one(qtbot):
    """"4 (plain)" was split over two lines when the legend wrapped; each line now starts with a mark."""
    from PySide6.QtGui import QTextDocument

    from mnist_pad.ui.legend_row import LegendRow

    row = LegendRow(reserve_lines=2)
    qtbot.addWidget(row)
    row.set_entries([("#a0a", f"{digit} ({model})", model == "plain")
                     for model in ("robust", "plain") for digit in (0, 4, 6)])
    broken = 0
    for width in range(120, 520, 10):
        document = QTextDocument()
        document.setDefaultFont(row.font())
        document.setHtml(row.text())
        document.setTextWidth(width)
        document.size()  # lays the text out
        block, lines = document.firstBlock(), []
        layout = block.layout()
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            lines.append(block.text()[line.textStart():line.textStart() + line.textLength()].strip())
        broken += len(lines) > 1
        assert all(line[0] in "━╌" for line in lines if line), (width, lines)
    assert broken > 10  # the widths tried do wrap the legend


def test_bars_measure_their_columns_again_when_the_font_changes(qtbot):
    """The column widths are measured once per font (they are needed at every prediction)."""
    from PySide6.QtGui import QFont

    bars = ProbabilityBars()
    qtbot.addWidget(bars)
    bars.resize(300, 10 * ProbabilityBars.ROW)
    label_width, track_width = bars._columns()
    font = QFont(bars.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    bars.setFont(font)
    wider_label, narrower_track = bars._columns()
    assert wider_label > label_width and narrower_track < track_width


def test_the_28x28_preview_repaints_only_for_another_image(qtbot):
    preview = Preview28()
    qtbot.addWidget(preview)
    preview.show()
    qtbot.waitExposed(preview)
    qtbot.wait(50)
    paints = _Counter(preview, QEvent.Type.Paint)
    seven = np.zeros((28, 28), np.uint8)
    seven[5:8, 6:22], seven[8:23, 17:20] = 255, 255
    preview.set_image(seven)
    qtbot.waitUntil(lambda: paints.count >= 1)
    qtbot.wait(50)
    painted = paints.count
    preview.set_image(seven.copy())  # the same 28x28 from the next prediction: nothing to paint
    qtbot.wait(50)
    assert paints.count == painted
    moved = np.roll(seven, 1, axis=1)
    preview.set_image(moved)
    qtbot.waitUntil(lambda: paints.count > painted)
    assert np.array_equal(preview.image, moved)
