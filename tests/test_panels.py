"""The probability bars: the winner long and in its colour, the others grey, empty before a prediction."""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from mnist_pad.ui.panels import DIGIT_COLOURS, TRACK, ProbabilityBars


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
