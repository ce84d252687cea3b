"""Number mode in the main window, driven with the mouse (offscreen): draw, read, select, split, merge."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton

from mnist_pad import corrections, paths
from mnist_pad.ui import MainWindow
from mnist_pad.ui.number_canvas import NumberCanvas
from mnist_pad.ui.panels import percent

ONE = [(100, 45), (100, 140), (100, 235)]
ZERO = [(200 + 45 * np.sin(a), 140 - 95 * np.cos(a)) for a in np.linspace(0, 2 * np.pi, 30)]
FOUR_L = [(320, 45), (300, 160), (390, 160)]
FOUR_DOWN = [(370, 90), (370, 235)]



@pytest.fixture
def window(qtbot):
    window = MainWindow(model="robust")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=20000)
    window.resize(1300, 720)
    return window


def drag(canvas, points) -> None:
    at = [canvas.to_widget(*p).toPoint() for p in points]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[0])
    for point in at[1:]:
        QTest.mouseMove(canvas, point)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[-1])


def click(canvas, point) -> None:
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point.toPoint())


def draw_and_read(qtbot, mode, strokes):
    with qtbot.waitSignal(mode.reading_shown, timeout=20000,
                          check_params_cb=lambda r: r is not None and len(r.digits) >= 1) as blocker:
        for stroke in strokes:
            drag(mode.canvas, stroke)
    qtbot.waitUntil(lambda: mode.reading is not None and mode.reading.digits and mode.inference.mailbox.has("number") is False)
    return blocker.args[0]


def test_number_mode_reads_boxes_splits_and_merges(qtbot, window):
    toggle = window.findChild(QPushButton, "numberMode")
    toggle.click()
    mode = window.number_mode
    canvas = window.findChild(NumberCanvas, "numberCanvas")
    assert canvas.isVisible() and not window.canvas.isVisible()
    assert canvas.paper_rect().width() == pytest.approx(3 * canvas.paper_rect().height())
    draw_and_read(qtbot, mode, [ONE, ZERO, FOUR_L, FOUR_DOWN])
    qtbot.waitUntil(lambda: [d.strokes for d in mode.reading.digits] == [(0,), (1,), (2, 3)], timeout=10000)
    assert mode.reading.best_guess == "104"
    assert mode.reading.text in window.findChild(type(mode.text), "numberText").text()

    # merge: click the divider between the 1 and the 0
    with qtbot.waitSignal(mode.reading_shown, timeout=10000):
        click(canvas, canvas.divider_handle(0))
    assert [d.strokes for d in mode.reading.digits] == [(0, 1), (2, 3)]
    # split again: click the divider bar between them
    with qtbot.waitSignal(mode.reading_shown, timeout=10000):
        click(canvas, canvas.divider_handle(0) - (canvas.to_widget(200, 0) - canvas.to_widget(50, 0)))
    assert [d.strokes for d in mode.reading.digits][:2] == [(0,), (1,)]
    # drag a divider: move the one between 0 and 4 to the right of the 4, so 0 and 4 are one group
    handle = canvas.divider_handle(len(canvas.boundaries) - 1)
    with qtbot.waitSignal(mode.reading_shown, timeout=10000):
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, handle.toPoint())
        QTest.mouseMove(canvas, QPoint(int(canvas.to_widget(500, 0).x()), int(handle.y())))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                           QPoint(int(canvas.to_widget(500, 0).x()), int(handle.y())))
    assert [d.strokes for d in mode.reading.digits][-1] == (1, 2, 3)


def test_a_number_saved_as_png_opens_on_the_number_canvas_again(qtbot, window, tmp_path):
    window.number_mode.set_active(True)
    mode = window.number_mode
    draw_and_read(qtbot, mode, [ONE, FOUR_L, FOUR_DOWN])
    drawn = mode.canvas.strokes()
    target = tmp_path / "fourteen.png"
    assert window.save_png(target)  # the number canvas, not the digit canvas hidden behind it
    from mnist_pad.images import read_gray
    assert read_gray(target).shape == (280, 840)
    mode.set_active(False)
    mode.canvas.clear()
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 2):
        window.open_image(target)
    assert mode.active and mode.canvas.picture is None and "14" in mode.text.text()
    np.testing.assert_allclose(np.concatenate(mode.canvas.strokes()), np.concatenate(drawn), atol=0.005)


def test_the_comparison_model_s_curves_follow_the_selected_digit(qtbot, window):
    from mnist_pad import Recognizer
    from mnist_pad.ui.main_window import SWEEP_WIDTHS

    SEVEN_ON_DIGIT_CANVAS = [(70, 60), (210, 60), (130, 235)]
    drag(window.canvas, SEVEN_ON_DIGIT_CANVAS)  # a drawing left behind on the digit canvas
    qtbot.waitUntil(lambda: window.chart.comparison is not None, timeout=20000)
    window.number_mode.set_active(True)
    mode = window.number_mode
    draw_and_read(qtbot, mode, [ONE, FOUR_L, FOUR_DOWN])
    plain = Recognizer.load("plain")

    def compared_for(index):
        expected = plain.sweep(mode.selected_strokes(), SWEEP_WIDTHS)
        comparison = window.chart.comparison
        return (mode.selected == index and comparison is not None and comparison[2] == "plain"
                and np.allclose(comparison[1], expected, atol=1e-5))

    qtbot.waitUntil(lambda: compared_for(0), timeout=20000)  # the 1's, not the hidden 7's
    click(mode.canvas, mode.canvas.reading_label(1))
    qtbot.waitUntil(lambda: compared_for(1), timeout=20000)  # then the 4's


def test_match_mnist_in_number_mode_matches_the_selected_digit(qtbot, window):
    from mnist_pad.morphometry import match_mnist_width
    from mnist_pad.ui.canvas import CANVAS_SIZE

    window.number_mode.set_active(True)  # the digit canvas behind it is empty
    mode = window.number_mode
    draw_and_read(qtbot, mode, [ONE, ZERO])
    window.set_brush_width(50)
    window.findChild(QAction, "actionMatchMnist").trigger()
    qtbot.waitUntil(lambda: window.brush_width != 50, timeout=10000)
    assert window.brush_width == match_mnist_width(mode.selected_strokes(), CANVAS_SIZE, window.why.match_widths)


def test_selected_digit_drives_sweep_and_corrections(qtbot, window):
    window.findChild(QPushButton, "numberMode").click()
    mode = window.number_mode
    draw_and_read(qtbot, mode, [ONE, ZERO])
    qtbot.waitUntil(lambda: len(mode.reading.digits) == 2, timeout=10000)
    with qtbot.waitSignal(mode.inference.number_swept, timeout=10000, check_params_cb=lambda seq, *_: seq == mode._sweep_seq):
        click(mode.canvas, mode.canvas.reading_label(1))
    assert mode.selected == 1
    qtbot.waitUntil(lambda: window.chart.top_digits() != [], timeout=10000)
    assert window.chart.top_digits()[0] == 0
    assert window.learning.save_correction(6)
    saved, _ = corrections.load(paths.corrections_file())
    xs = np.concatenate([np.asarray(s)[:, 0] for s in saved[-1].strokes])
    assert saved[-1].label == 6 and 40 < xs.min() and xs.max() < 240  # the 0 alone, moved onto a digit canvas
    # the brush sweep changes the number canvas too; Edit acts on it
    window.set_brush_width(30)
    assert mode.canvas.brush_width == 30
    window.undo()
    assert len(mode.canvas.strokes()) == 1
    window.findChild(QPushButton, "numberMode").click()
    assert window.canvas.isVisible() and not mode.canvas.isVisible()
    assert window.learning.strokes_to_correct == window.canvas.strokes


def test_dividers_set_by_hand_survive_strokes_that_do_not_cross_them(qtbot, window):
    window.findChild(QPushButton, "numberMode").click()
    mode = window.number_mode
    assert mode.canvas.hint == "Write a number here" and window.canvas.hint == "Draw a digit here"
    draw_and_read(qtbot, mode, [ONE, ZERO])
    qtbot.waitUntil(lambda: len(mode.reading.digits) == 2, timeout=10000)
    with qtbot.waitSignal(mode.reading_shown, timeout=10000):
        click(mode.canvas, mode.canvas.divider_handle(0))  # by hand: the 1 and the 0 are one digit
    assert [d.strokes for d in mode.reading.digits] == [(0, 1)]
    for stroke in (FOUR_L, FOUR_DOWN):  # a new digit to the right: its own group, the merge stays
        with qtbot.waitSignal(mode.reading_shown, timeout=10000):
            drag(mode.canvas, stroke)
    assert [d.strokes for d in mode.reading.digits] == [(0, 1), (2, 3)]
    with qtbot.waitSignal(mode.reading_shown, timeout=10000):
        window.undo()
    with qtbot.waitSignal(mode.reading_shown, timeout=10000):
        window.redo()
    assert [d.strokes for d in mode.reading.digits] == [(0, 1), (2, 3)]
    window.clear()  # a new drawing is grouped automatically again
    assert mode.boundaries is None


def test_a_row_of_spirals_reads_as_no_number(qtbot, window):
    """Marks that don't look like digits (here three spirals) are no number: the window says so
    instead of reading "000"."""
    window.findChild(QPushButton, "numberMode").click()
    mode = window.number_mode
    turns = np.linspace(0, 6 * np.pi, 80)
    spirals = [list(zip(85 + 260 * i + (10 + 6 * turns) * np.cos(turns) * 0.6, 140 + (10 + 6 * turns) * np.sin(turns)))
               for i in range(3)]
    draw_and_read(qtbot, mode, spirals)
    qtbot.waitUntil(lambda: len(mode.reading.digits) == 3, timeout=10000)
    assert mode.reading.not_a_number
    assert "doesn't look like a number" in window.findChild(type(mode.text), "numberText").text()
    assert window.findChild(QLabel, "confidence").text() == "doesn't look like a digit", "the selected mark, as on the digit canvas"


SEVEN = [(70, 60), (120, 58), (170, 57), (210, 60), (180, 120), (150, 180), (130, 235)]
FOUR = [(170, 230), (170, 50), (60, 170), (220, 170)]


def number_picture(path) -> np.ndarray:
    """A 7 and a 4 side by side on a 700 px square sheet, saved as a PNG; returns the sheet."""
    from PySide6.QtGui import QImage

    from mnist_pad.raster import rasterize

    def placed(stroke, dx):
        return [(x + dx, y + 100) for x, y in stroke]
    paper = np.ascontiguousarray(255 - rasterize([placed(SEVEN, 0), placed(FOUR, 190)], 14, 700))
    assert QImage(paper.data, 700, 700, 700, QImage.Format.Format_Grayscale8).save(str(path))
    return paper


def inks_across(picture: np.ndarray) -> list[tuple[int, int]]:
    """The left and right ends of each run of inked columns in a picture (dark on white)."""
    inked = np.r_[False, (picture < 128).any(axis=0), False]
    edges = np.flatnonzero(np.diff(inked.astype(int)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def test_a_picture_opened_in_number_mode_is_read_digit_by_digit(qtbot, window, tmp_path):
    """In Number mode File → Open reads the picture as a number: each digit boxed where the picture
    shows it and selectable; no sweep and no correction (no strokes); dividers leave it alone; drawing
    replaces it and Undo brings it back."""
    from mnist_pad.ui.number_canvas import NUMBER_CANVAS

    path = tmp_path / "seventy-four.png"
    picture = number_picture(path)
    window.findChild(QPushButton, "numberMode").click()
    mode = window.number_mode
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 2):
        window.open_image(path)
    assert mode.canvas.picture is not None and "74" in mode.text.text()
    # The 700 px square sheet is shown 280 px tall in the middle of the 840 x 280 canvas: x -> 0.4 x + 280.
    scale, dx = NUMBER_CANVAS[1] / 700, (NUMBER_CANVAS[0] - NUMBER_CANVAS[1]) / 2
    for digit, (left, right) in zip(mode.reading.digits, inks_across(picture)):
        assert digit.box[0] == pytest.approx(left * scale + dx, abs=2) and digit.box[2] == pytest.approx(right * scale + dx, abs=2)
    click(mode.canvas, mode.canvas.reading_label(1))
    assert mode.selected == 1 and window.prediction.digit.text() == "4"
    assert window.chart.top_digits() == []  # the sweep needs strokes
    assert not window.learning.save_correction(4)
    shown = mode.reading
    paper = mode.canvas.paper_rect()
    click(mode.canvas, QPointF(paper.center().x(), paper.bottom() + 15))  # the divider bar: "split here"
    qtbot.wait(200)
    assert mode.reading is shown and "Dividers regroup drawn strokes" in window.statusBar().currentMessage()
    assert not window.learning.bar.buttons[4].isEnabled()
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 1):
        drag(mode.canvas, ONE)
    assert mode.canvas.picture is None and window.learning.bar.buttons[4].isEnabled()
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 2):
        window.undo()
    assert mode.canvas.picture is not None and "74" in mode.text.text()
    assert not window.learning.bar.buttons[4].isEnabled()


def test_a_picture_of_a_number_opened_on_the_digit_canvas_is_read_when_number_is_pressed(qtbot, window, tmp_path):
    path = tmp_path / "seventy-four.png"
    number_picture(path)
    with qtbot.waitSignal(window.prediction_shown, timeout=20000):
        window.open_image(path)
    qtbot.waitUntil(lambda: window.prediction.digit.text() == "74", timeout=10000)
    assert "press Number" in window.prediction.confidence.text()
    mode = window.number_mode
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 2):
        window.findChild(QPushButton, "numberMode").click()
    assert mode.canvas.picture is not None and "74" in mode.text.text()


def test_readings_of_small_digits_close_together_never_run_into_each_other(qtbot, window, tmp_path):
    """A number written small in a wide photo shows its digits a few widget pixels apart: each reading
    "8  100%" ran into the next ("10070000%"). Then only the digits are shown above them; the
    probabilities are a click away. Digits far apart keep theirs."""
    from PySide6.QtGui import QFont, QFontMetrics, QImage

    from mnist_pad.raster import rasterize

    def placed(stroke, dx):
        return [(x + dx, y + 900) for x, y in stroke]
    strokes = [placed(stroke, 700 + 170 * i) for i, stroke in enumerate((SEVEN, FOUR, SEVEN, FOUR))]
    sheet = np.ascontiguousarray(255 - rasterize(strokes, 16, 2000))  # a 2000 px photo, the number in its middle
    path = tmp_path / "small.png"
    assert QImage(sheet.data, sheet.shape[1], sheet.shape[0], sheet.shape[1], QImage.Format.Format_Grayscale8).save(str(path))
    window.findChild(QPushButton, "numberMode").click()
    mode = window.number_mode
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 4):
        window.open_image(path)
    font = QFont(mode.canvas.font())
    font.setBold(True)
    labels = mode.canvas.reading_labels(QFontMetrics(font))
    assert [text for _, text in labels] == [str(d.digit) for d in mode.reading.digits]
    for (a, _), (b, _) in zip(labels, labels[1:]):
        assert not a.intersects(b)

    big = tmp_path / "seventy-four.png"
    number_picture(big)
    with qtbot.waitSignal(mode.reading_shown, timeout=20000, check_params_cb=lambda r: r is not None and len(r.digits) == 2):
        window.open_image(big)
    assert [text for _, text in mode.canvas.reading_labels(QFontMetrics(font))] == [
        f"{d.digit}  {percent(d.confidence)}" for d in mode.reading.digits]
    # Worded as the results panel words them: a doubt is never rounded up to a certain "100%".
    seven, four = mode.reading.digits
    nearly = np.eye(10)[7] * 0.997 + 0.0003
    mode.canvas.reading = replace(mode.reading, digits=(replace(seven, probabilities=nearly), four))
    assert [text for _, text in mode.canvas.reading_labels(QFontMetrics(font))][0] == "7  >99%"


def test_number_mode_reads_with_the_window_s_worker_and_its_sweeps_never_replace_the_window_s(qtbot, window):
    """No second worker (a process of its own would take ~90 MB and a second to start): the window's
    reads the number too, and its sweep and number mode's, asked for together, are both answered."""
    import psutil

    workers = psutil.Process().children()
    mode = window.number_mode
    mode.set_active(True)
    reading = draw_and_read(qtbot, mode, [ONE, ZERO])
    assert reading.text == "10" and mode.inference is window.inference
    assert psutil.Process().children() == workers
    swept, number_swept = [], []
    window.inference.swept.connect(lambda seq, widths, probabilities: swept.append(seq))
    window.inference.number_swept.connect(lambda seq, widths, probabilities: number_swept.append(seq))
    widths = np.arange(4.0, 20.0, 4.0)
    window.inference.sweep(991, (tuple(ONE),), widths)
    window.inference.number_sweep(992, (tuple(ONE),), widths)
    qtbot.waitUntil(lambda: 991 in swept and 992 in number_swept, timeout=10000)
    assert 992 not in swept and 991 not in number_swept


def test_a_failed_number_request_is_reported_once_by_number_mode_and_the_window_s_own_by_the_window(qtbot, window,
                                                                                                   monkeypatch):
    shown = []
    monkeypatch.setattr(window, "show_error", shown.append)
    window.number_mode.set_active(True)
    window.inference.request_failed.emit("number", "ValueError: broken")
    assert shown == ["Reading the number failed (number): ValueError: broken"]
    window.number_mode.set_active(False)
    window.inference.request_failed.emit("sweep", "ValueError: broken")
    assert shown[1:] == ["Recognition failed (sweep): ValueError: broken"]
