"""The why views, the comparison curves, Match MNIST and the window's polish, driven by object name."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDialog, QListWidget, QMenu, QPlainTextEdit, QTableWidget, QWidget

from mnist_pad.morphometry import measure, reference
from mnist_pad.preprocess import to_mnist
from mnist_pad.raster import rasterize
from mnist_pad.ui import MainWindow
from mnist_pad.ui.canvas import CANVAS_SIZE
from mnist_pad.ui.panels import DIGIT_COLOURS, TRACK, contrast_ratio

SEVEN = [(70, 60), (120, 58), (170, 57), (210, 60), (180, 120), (150, 180), (130, 235)]
BAR = [(90, 150), (190, 150)]



@pytest.fixture
def window(qtbot, tiny_model_path) -> MainWindow:
    window = MainWindow(model=tiny_model_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    return window


def drag(window: MainWindow, points) -> None:
    canvas = window.canvas
    at = [window.canvas.to_widget(*p).toPoint() for p in points]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[0])
    for point in at[1:]:
        QTest.mouseMove(canvas, point)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at[-1])


def action(window, name) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def test_show_why_maps_the_attribution_and_lists_each_stroke(qtbot, window):
    drag(window, SEVEN)
    drag(window, BAR)
    show = action(window, "actionShowWhy")
    assert show.isCheckable() and not show.shortcut().isEmpty()
    show.trigger()
    effects = window.findChild(QListWidget, "strokeEffects")
    why_map = window.findChild(QWidget, "whyMap")
    likeness = window.findChild(QWidget, "mnistLikeness")
    assert effects.isVisible() and why_map.isVisible() and likeness.isVisible()
    qtbot.waitUntil(lambda: effects.count() == 2, timeout=10000)
    assert all("without this stroke:" in effects.item(i).text() for i in range(2))
    assert why_map.heat.any() and window.canvas.overlay is not None
    assert set(likeness.ranks) == {"thickness", "slant", "width", "height"}
    assert "MNIST" in likeness.texts["thickness"]
    # hovering the bar on the canvas highlights it and its row
    QTest.mouseMove(window.canvas, window.canvas.to_widget(140, 151).toPoint())
    qtbot.waitUntil(lambda: window.canvas.highlighted_stroke == 1, timeout=3000)
    assert effects.currentRow() == 1
    show.trigger()
    assert not effects.isVisible() and window.canvas.overlay is None


def test_the_map_over_the_canvas_is_made_in_the_worker_and_the_ui_thread_only_wraps_it(qtbot, window, monkeypatch):
    """Laying the 28x28 map over the canvas (a warp) and colouring it cost the UI thread ~0.9 ms for
    each map shown while the pen moves; the worker does both now. The canvas shows the same pixels."""
    import threading

    import numpy as np

    from mnist_pad.attribution import Attribution
    from mnist_pad.ui.why_views import heat_image

    warped_in = []
    original = Attribution.on_canvas
    monkeypatch.setattr(Attribution, "on_canvas",
                        lambda self, size: warped_in.append(threading.current_thread()) or original(self, size))
    drag(window, SEVEN)
    explained = []
    window.inference.explained.connect(lambda seq, explanation: explained.append(explanation))
    action(window, "actionShowWhy").trigger()
    qtbot.waitUntil(lambda: bool(explained) and window.canvas.overlay is not None, timeout=10000)
    assert warped_in and threading.main_thread() not in warped_in
    overlay = window.canvas.overlay
    expected = heat_image(original(explained[-1].attribution, CANVAS_SIZE))
    assert overlay.size() == expected.size() and overlay == expected


def test_the_map_at_the_canvas_s_size_on_screen_is_made_in_the_worker_too(qtbot, window, monkeypatch):
    """Each new map was resized to the canvas's size on screen in the UI thread's next repaint (1.5 ms on an
    800 px canvas, in the repaints that already cost most); the worker makes it now, the same pixels."""
    from mnist_pad.ui import canvas as canvas_module
    from mnist_pad.ui.pixels import resized_pixels

    window.resize(1500, 900)
    resized_here = []
    original = canvas_module.resized_argb
    monkeypatch.setattr(canvas_module, "resized_argb", lambda *args: resized_here.append(args[1:3]) or original(*args))
    drag(window, SEVEN)
    explained = []
    window.inference.explained.connect(lambda seq, explanation: explained.append(explanation))
    action(window, "actionShowWhy").trigger()
    qtbot.waitUntil(lambda: bool(explained) and window.canvas.overlay is not None, timeout=10000)
    canvas = window.canvas
    canvas.grab()
    width, height = canvas.overlay_size()
    assert width > 400 and not resized_here, "the canvas painted the map the worker sized, resizing nothing"
    on_screen = canvas._screen_overlay[1]
    assert on_screen is explained[-1].screen_overlay and on_screen.shape == (height, width, 4)
    assert np.array_equal(on_screen, resized_pixels(explained[-1].canvas_overlay, width, height))
    window.resize(1200, 800)  # a size the map was not made for: the canvas resizes it itself
    canvas.grab()
    assert resized_here == [canvas.overlay_size()]


def test_the_map_is_red_where_pixels_support_the_answer_and_blue_where_they_oppose_it(qapp):
    """The map's pixels are premultiplied ARGB32 (what Qt paints fastest): the colours come back intact."""
    from mnist_pad.ui.pixels import MAX_ALPHA, OPPOSES, SUPPORTS
    from mnist_pad.ui.why_views import heat_image

    image = heat_image(np.array([[2.0, -2.0, 0.0, 1.0]], np.float32))
    strong, opposing, none, half = (image.pixelColor(x, 0) for x in range(4))
    assert strong.alpha() == opposing.alpha() == MAX_ALPHA and none.alpha() == 0
    assert half.alpha() == MAX_ALPHA // 2
    for colour, expected in ((strong, SUPPORTS), (opposing, OPPOSES), (half, SUPPORTS)):
        assert max(abs(a - b) for a, b in zip(colour.getRgb()[:3], expected)) <= 2


def test_an_opened_picture_is_explained_too_and_the_last_drawing_s_map_goes(qtbot, window, tmp_path):
    """With Show why on, opening a picture left the previous drawing's map over it and in the views.
    Now the picture gets its own map, laid over it where the canvas shows it, and its MNIST likeness."""
    from PIL import Image

    from mnist_pad.ui.why import PICTURE_NOTE

    action(window, "actionShowWhy").trigger()
    drag(window, SEVEN)
    drag(window, BAR)
    effects = window.findChild(QListWidget, "strokeEffects")
    qtbot.waitUntil(lambda: effects.count() == 2, timeout=10000)
    sheet = np.full((280, 560), 255, np.uint8)  # a wide photo: the digit on its left half
    sheet[:, :280] = 255 - rasterize([SEVEN, BAR], 18, 280)
    path = tmp_path / "seven-left.png"
    Image.fromarray(sheet).save(path)
    # the picture is decoded in a worker: the drawing's own map may still come (and be shown) meanwhile
    with qtbot.waitSignal(window.why.explanation_shown, timeout=10000,
                          check_params_cb=lambda _seq: window.canvas.picture is not None):
        window.open_image(path)
        window.why.request_explanation()  # as a late prediction of the drawing would
    assert effects.count() == 1 and effects.item(0).text() == PICTURE_NOTE
    assert window.why.why_map.heat.any() and "MNIST" in window.why.likeness.texts["thickness"]
    # the canvas shows the picture at half size, 70 px from the top: the map lies on the 7's ink there
    overlay = window.canvas.overlay
    alpha = np.frombuffer(overlay.constBits(), np.uint8).reshape(overlay.height(), overlay.bytesPerLine())
    alpha = alpha[:, 3:overlay.width() * 4:4]
    rows, columns = np.nonzero(alpha)
    assert len(rows) and columns.max() < 140 + 3 and 70 - 3 <= rows.min() and rows.max() < 210 + 3
    ink_rows, ink_columns = np.nonzero(255 - sheet[::2, ::2] > 128)
    assert abs(np.average(columns, weights=alpha[rows, columns]) - ink_columns.mean()) < 25
    assert abs(np.average(rows, weights=alpha[rows, columns]) - 70 - ink_rows.mean()) < 25


def test_a_picture_of_several_digits_says_the_views_explain_one(qtbot, window, tmp_path):
    from PIL import Image

    from mnist_pad.ui.why import SEVERAL_DIGITS_NOTE

    action(window, "actionShowWhy").trigger()
    sheet = np.full((280, 840), 255, np.uint8)
    for left in (0, 280, 560):
        sheet[:, left:left + 280] = 255 - rasterize([SEVEN], 18, 280)
    path = tmp_path / "777.png"
    Image.fromarray(sheet).save(path)
    effects = window.findChild(QListWidget, "strokeEffects")
    window.open_image(path)
    qtbot.waitUntil(lambda: effects.count() == 1 and effects.item(0).text() == SEVERAL_DIGITS_NOTE, timeout=10000)
    assert window.canvas.overlay is None and not window.why.why_map.heat.any()


def test_the_map_follows_a_drawing_that_keeps_changing(qtbot, window):
    """While the pen moves a newer drawing is always being explained; the newest finished explanation is
    shown all the same (before, only one for the latest request was, so the map waited for the pen to stop)."""
    action(window, "actionShowWhy").trigger()
    drag(window, SEVEN)
    why, explained, shown = window.why, [], []
    window.inference.explained.connect(lambda seq, explanation: explained.append(explanation))
    why.explanation_shown.connect(shown.append)
    why.request_explanation()
    qtbot.waitUntil(lambda: bool(explained), timeout=10000)
    shown.clear()
    first = why._explain_seq + 1
    why.request_explanation()
    why.request_explanation()  # the pen moved on: this one is the newest request
    window.inference.explained.emit(first, explained[-1])
    assert shown == [first], "an explanation one stroke behind is shown"
    window.inference.explained.emit(first - 1, explained[-1])
    assert shown == [first], "one older than the map on screen is not"
    qtbot.waitUntil(lambda: shown[-1] == first + 1, timeout=10000)


def test_after_undo_a_map_of_the_undone_drawing_is_never_shown(qtbot, window):
    """A map one stroke behind is shown while drawing, but one of a drawing that Undo took back is not:
    it would heat a stroke that is no longer there."""
    action(window, "actionShowWhy").trigger()
    drag(window, SEVEN)
    drag(window, BAR)
    why, explained, shown = window.why, [], []
    effects = window.findChild(QListWidget, "strokeEffects")
    window.inference.explained.connect(lambda seq, explanation: explained.append(explanation))
    why.explanation_shown.connect(shown.append)
    qtbot.waitUntil(lambda: effects.count() == 2 and len(explained[-1].stroke_effects) == 2, timeout=10000)
    shown.clear()
    why.request_explanation()  # the seven and the bar, still being computed when...
    both = why._explain_seq
    window.undo_action.trigger()  # ...the bar is taken back
    window.inference.explained.emit(both, explained[-1])  # the answer comes after the Undo
    assert both not in shown and effects.count() == 2, "the views wait for the drawing as it is"
    qtbot.waitUntil(lambda: effects.count() == 1, timeout=10000)
    assert both not in shown
    window.redo_action.trigger()  # the bar is back: maps of both strokes are the drawing again
    qtbot.waitUntil(lambda: effects.count() == 2, timeout=10000)


def test_on_a_screen_too_narrow_for_the_docked_views_they_float_on_it(qtbot, window):
    """Docked, the views widen the window to 1210 px at least; the offscreen screen is 800 px wide (a
    1024 px screen is too narrow as well), so they float at the screen's right edge."""
    screen = window.screen().availableGeometry()
    width = window.width()
    show = action(window, "actionShowWhy")
    show.trigger()
    dock = window.why.dock
    qtbot.waitUntil(dock.isVisible, timeout=3000)
    assert dock.isFloating() and window.width() == width, "the window keeps its size"
    assert screen.contains(dock.frameGeometry().topRight()) and dock.frameGeometry().right() == screen.right()
    drag(window, SEVEN)
    effects = window.findChild(QListWidget, "strokeEffects")
    qtbot.waitUntil(lambda: effects.count() == 1, timeout=10000)
    show.trigger()
    assert not dock.isVisible() and show.isChecked() is False
    show.trigger()
    assert dock.isVisible() and show.isChecked()


def why_docked_on_a_laptop_screen(qtbot, window, monkeypatch, left: int):
    """Show why on a 1280x800 screen's work area, the window 1100 px wide at `left`: the dock, docked."""
    class Laptop:
        def availableGeometry(self):
            return QRect(0, 0, 1280, 800)

    monkeypatch.setattr(window, "screen", lambda: Laptop())
    window.move(left, 0)
    window.resize(1100, window.height())
    action(window, "actionShowWhy").trigger()
    dock = window.why.dock
    qtbot.waitUntil(dock.isVisible, timeout=3000)
    assert not dock.isFloating()
    return dock


def test_on_a_1280_px_laptop_screen_the_views_dock_beside_the_results(qtbot, window, monkeypatch):
    """There they floated over the probabilities and the chart: the window was 1074 px wide at least,
    its brush row with Undo, Redo and Clear beside the slider. Now they dock and the window narrows."""
    dock = why_docked_on_a_laptop_screen(qtbot, window, monkeypatch, left=100)
    qtbot.waitUntil(lambda: window.frameGeometry().right() <= 1279, timeout=3000)
    assert window.frameGeometry().left() >= 0
    for name in ("probabilities", "thicknessChart", "compareModel", "clearButton", "canvas", "brushWidth"):
        widget = window.findChild(QWidget, name)
        assert widget.isVisible() and widget.width() > 20, name
        assert widget.mapTo(window, QPoint(widget.width(), 0)).x() <= dock.geometry().left(), name
    assert window.brush_slider.width() >= 150


def test_number_mode_s_wider_canvas_floats_docked_views_that_no_longer_fit(qtbot, window, monkeypatch):
    """Docked on a 1280 px laptop screen, the views took the window to 1396 px when Number mode's wider
    canvas came in: past the screen's edge, the views cut off. They now float at its edge, and dock
    again when the digit canvas is back."""
    from PySide6.QtWidgets import QPushButton

    dock = why_docked_on_a_laptop_screen(qtbot, window, monkeypatch, left=0)
    window.findChild(QPushButton, "numberMode").click()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.isFloating(), timeout=3000)
    assert action(window, "actionShowWhy").isChecked()
    assert dock.frameGeometry().right() <= 1279 and window.minimumSizeHint().width() <= 1280
    qtbot.waitUntil(lambda: window.frameGeometry().right() <= 1279, timeout=3000)
    window.findChild(QPushButton, "numberMode").click()
    qtbot.waitUntil(lambda: dock.isVisible() and not dock.isFloating(), timeout=3000)
    qtbot.waitUntil(lambda: window.frameGeometry().right() <= 1279, timeout=3000)


def test_clearing_empties_the_why_views(qtbot, window):
    action(window, "actionShowWhy").trigger()
    drag(window, SEVEN)
    effects = window.findChild(QListWidget, "strokeEffects")
    qtbot.waitUntil(lambda: effects.count() == 1, timeout=10000)
    window.findChild(QWidget, "clearButton").click()
    assert effects.count() == 0 and window.canvas.overlay is None
    assert not window.findChild(QWidget, "mnistLikeness").ranks


def test_in_number_mode_the_why_views_say_they_explain_the_digit_canvas(qtbot, window):
    """They went on showing the map and stroke effects of the digit canvas's drawing, out of sight
    behind Number mode's canvas, as if they explained the number. They say what they explain instead,
    and explain the drawing again once it is back."""
    from PySide6.QtWidgets import QPushButton

    from mnist_pad.ui.why import NUMBER_MODE_NOTE

    action(window, "actionShowWhy").trigger()
    drag(window, SEVEN)
    effects = window.findChild(QListWidget, "strokeEffects")
    qtbot.waitUntil(lambda: effects.count() == 1 and window.canvas.overlay is not None, timeout=10000)
    number = window.findChild(QPushButton, "numberMode")
    number.click()
    assert [effects.item(i).text() for i in range(effects.count())] == [NUMBER_MODE_NOTE]
    assert not window.findChild(QWidget, "whyMap").image.any()
    qtbot.wait(300)  # an explanation still on its way is not shown over the note
    assert [effects.item(i).text() for i in range(effects.count())] == [NUMBER_MODE_NOTE]
    number.click()
    qtbot.waitUntil(lambda: effects.count() == 1 and effects.item(0).text().startswith("Stroke 1"), timeout=10000)
    assert window.findChild(QWidget, "whyMap").image.any()


def test_the_chart_compares_with_the_plain_model_by_default(qtbot, window):
    chooser = window.findChild(QComboBox, "compareModel")
    assert chooser.currentData() == "plain"
    assert chooser.findData("") >= 0 and chooser.findData("robust") >= 0
    drag(window, SEVEN)
    chart = window.chart
    qtbot.waitUntil(lambda: chart.comparison is not None, timeout=20000)
    assert chart.comparison[2] == "plain"
    shown = chart.top_digits()
    dashed = [d for d, curve in enumerate(chart.plot().comparison_curves) if curve.getData()[0] is not None
              and len(curve.getData()[0])]
    assert dashed == sorted(shown)
    assert any("(plain)" in label and is_dashed for _, label, is_dashed in chart.legend.entries)
    chooser.setCurrentIndex(chooser.findData(""))  # off
    assert chart.comparison is None
    assert not any(is_dashed for _, _, is_dashed in chart.legend.entries)


def test_the_legend_sits_outside_the_plot(window):
    legend = window.chart.legend
    assert legend.parent() is not window.chart and not window.chart.isAncestorOf(legend)


def test_match_mnist_sets_the_brush_to_mnist_thickness(qtbot, window):
    drag(window, SEVEN)
    window.set_brush_width(50)
    action(window, "actionMatchMnist").trigger()
    qtbot.waitUntil(lambda: window.brush_width != 50, timeout=10000)
    thickness = measure(to_mnist(rasterize([SEVEN], window.brush_width, CANVAS_SIZE)).image).thickness
    assert thickness == pytest.approx(reference().median("thickness"), abs=0.5)


def test_digit_colours_are_readable_on_light_grey():
    for colour in DIGIT_COLOURS:
        assert contrast_ratio(colour, TRACK) >= 3.0, colour
        assert contrast_ratio(colour, "#efefef") >= 3.0, colour
    assert len(set(DIGIT_COLOURS)) == 10


def test_every_control_works_at_the_minimum_size(qtbot, window):
    window.resize(window.minimumSizeHint())
    qtbot.waitUntil(lambda: window.size() == window.minimumSizeHint(), timeout=3000)
    slider = window.brush_slider
    assert slider.width() >= 150
    inner = slider.slider
    before = slider.value()
    QTest.mouseClick(inner, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(inner.width() - 3, inner.height() // 2))
    inner.setValue(inner.maximum())
    assert slider.value() == slider.maximum() != before
    for name in ("clearButton", "compareModel", "canvas"):
        widget = window.findChild(QWidget, name)
        assert widget.isVisible() and widget.width() > 20, name


@pytest.mark.parametrize("focus", ["canvas", "brush label"])
def test_ctrl_y_redoes(qtbot, window, focus):
    drag(window, SEVEN)
    target = window.canvas if focus == "canvas" else window.brush_slider.spin_box
    target.setFocus()
    QTest.keyClick(target, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.is_empty()
    QTest.keyClick(target, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(window.canvas.strokes()) == 1


def test_a_loaded_file_is_checked_in_the_model_menu(qtbot, window, tiny_model_path):
    menu = window.findChild(QMenu, "modelMenu")
    checked = [a for a in menu.actions() if a.isCheckable() and a.isChecked()]
    assert len(checked) == 1 and checked[0].data() == str(tiny_model_path)
    assert "tiny" in checked[0].text()


def test_model_card_is_a_table_with_a_copyable_command(qtbot, window):
    window.show_model_card()
    dialog = window.findChild(QDialog, "modelCard")
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    table = dialog.findChild(QTableWidget, "modelCardTable")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Name"] == "tiny" and rows["Architecture"] == "padnet"
    dialog.close()


def test_the_model_card_s_rows_are_as_tall_as_their_text_at_the_dialog_s_width(qtbot, window):
    """The rows were sized before the dialog was laid out, at a narrow width: a few lines of the shipped
    model's description sat in a row of empty space four times their height."""
    window.show_model_card()
    dialog = window.findChild(QDialog, "modelCard")
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    table = dialog.findChild(QTableWidget, "modelCardTable")
    minimum = table.verticalHeader().minimumSectionSize()
    qtbot.waitUntil(lambda: all(table.rowHeight(r) == max(minimum, table.sizeHintForRow(r))
                                for r in range(table.rowCount())), timeout=3000)
    dialog.resize(dialog.width() - 200, dialog.height())  # narrower: the rows grow with their wrapped lines
    qtbot.waitUntil(lambda: all(table.rowHeight(r) == max(minimum, table.sizeHintForRow(r))
                                for r in range(table.rowCount())), timeout=3000)
    dialog.close()


def _card_shown(window, info) -> tuple[QDialog, dict[str, str]]:
    """Model → Model card… for `info`: the dialog and its table's rows (what: value)."""
    window.model_info = info
    window.show_model_card()
    dialog = [d for d in window.findChildren(QDialog, "modelCard") if d.isVisible()][-1]
    table = dialog.findChild(QTableWidget, "modelCardTable")
    return dialog, {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}


def test_model_card_names_figures_for_people(qtbot, window):
    from mnist_pad.ui.worker import ModelInfo
    card = {"name": "m", "arch": "padnet", "recipe": {"command": "python -m training --seed 0", "seed": 0},
            "figures": {"mnist_test_accuracy": 0.9912, "mnist_morph-5_accuracy": 0.76, "pendigits_w4_accuracy": 0.9},
            "figures_command": "python -m training.evaluate --model m.pt",
            "trained_on": "NVIDIA H100 80GB HBM3 (cuda), PyTorch 2.11.0+cu130"}
    dialog, rows = _card_shown(window, ModelInfo("m.pt", "m", "m.pt", card))
    assert rows["MNIST test set"] == "99.12%"
    assert rows["MNIST test, strokes thinned (kernel 5)"] == "76.00%"
    assert rows["pen-drawn digits, 4 px brush"] == "90.00%"
    assert rows["Trained with"] == "NVIDIA H100 80GB HBM3 (cuda), PyTorch 2.11.0+cu130"
    assert not any("_" in key for key in rows)
    command = dialog.findChild(QPlainTextEdit, "modelCardCommand")
    assert command.isReadOnly() and "python -m training --seed 0" in command.toPlainText()
    dialog.close()


def test_help_lists_shortcuts_and_how_to_read(qtbot, window):
    action(window, "actionShortcuts").trigger()
    dialog = window.findChild(QDialog, "shortcutsDialog")
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert "Ctrl+E" in rows["Show why"] and "Ctrl+Y" in rows["Redo"]
    dialog.close()
    action(window, "actionReadingGuide").trigger()
    guide = window.findChild(QDialog, "readingGuide")
    assert guide.isVisible()
    guide.close()


def test_mnist_likeness_is_wide_enough_for_its_longest_line(qapp):
    from mnist_pad.ui.why_views import MnistLikeness

    view = MnistLikeness(reference())
    for text in ("slant -23.4 °: more to the left than any MNIST digit", "stroke thickness 12.3 px: thinner than 99% of MNIST"):
        assert view.minimumWidth() >= view.fontMetrics().horizontalAdvance(text) + 12, text


def test_mnist_likeness_never_says_100_percent_within_mnists_range(qapp):
    """A drawing as tall as MNIST's tallest digits read "taller than 100% of MNIST" (99.9 rounded up)."""
    from mnist_pad.morphometry import Morphometry
    from mnist_pad.ui.why_views import MnistLikeness

    view = MnistLikeness(reference())
    tallest = float(reference().percentiles["height"][-1])
    view.set_measures(Morphometry(thickness=2.5, slant=0.0, width=15.0, height=tallest - 0.05))
    assert view.texts["height"].endswith("taller than 99% of MNIST")
    view.set_measures(Morphometry(thickness=2.5, slant=0.0, width=15.0, height=tallest))
    assert view.texts["height"].endswith("taller than 99% of MNIST")
    view.set_measures(Morphometry(thickness=2.5, slant=0.0, width=15.0, height=tallest + 1))
    assert view.texts["height"].endswith("taller than any MNIST digit")
    assert all("100%" not in text for text in view.texts.values())


def test_mnist_likeness_counts_only_the_digits_truly_shorter(qapp):
    """A third of MNIST stands 19.5 or 19.75 px tall: a drawing of 19.75 px is taller than the digits
    under that step (89%), where it read "taller than 99%" (the step's last percentile)."""
    from mnist_pad.morphometry import Morphometry
    from mnist_pad.ui.why_views import MnistLikeness

    levels = reference().percentiles["height"]
    common = float(levels[95])
    view = MnistLikeness(reference())
    view.set_measures(Morphometry(thickness=2.5, slant=0.0, width=15.0, height=common))
    assert view.texts["height"].endswith(f"taller than {int(np.sum(levels < common))}% of MNIST")
    assert int(np.sum(levels < common)) < 95


def test_a_combined_models_card_names_each_network_and_its_command(qtbot, window):
    from mnist_pad.ui.worker import ModelInfo
    members = [{"command": "python -m training --arch padnet4 --pen-widths 6 --out a.pt", "seed": 0, "epochs": 40,
                "options": ["--arch", "padnet4"]},
               {"command": "python -m training --arch padnet4 --out b.pt", "seed": 0, "epochs": 40}]
    card = {"name": "robust", "arch": "padnet4x2",
            "recipe": {"command": "python -m training.combine a.pt b.pt --out robust.pt", "seed": 0, "members": members}}
    dialog, rows = _card_shown(window, ModelInfo("robust", "robust", "robust.pt", card))
    assert rows["Training"] == "the average of 2 networks trained apart (below), seed 0"
    assert rows["Network 1"] == "seed 0, epochs 40" and "{" not in "".join(rows.values())
    commands = dialog.findChild(QPlainTextEdit, "modelCardCommand").toPlainText().splitlines()
    assert commands == [members[0]["command"], members[1]["command"], card["recipe"]["command"]]
    dialog.close()


def test_the_floating_views_move_with_the_window_and_stay_where_the_user_puts_them(qtbot, window):
    """On a screen too narrow to dock them, the why views float; moving the window takes them along
    (they would otherwise stay behind, over whatever is there), and a place the user drags them to holds."""
    show = action(window, "actionShowWhy")
    show.trigger()
    dock = window.why.dock
    qtbot.waitUntil(dock.isVisible, timeout=3000)
    assert dock.isFloating()
    screen = window.screen().availableGeometry()
    window.move(screen.left() + 10, screen.top() + 10)
    qtbot.waitUntil(lambda: window.pos().y() == screen.top() + 10, timeout=3000)
    start_window, start_dock = window.pos(), dock.pos()
    window.move(start_window.x(), start_window.y() + 40)
    qtbot.waitUntil(lambda: dock.pos().y() == start_dock.y() + 40, timeout=3000)
    assert dock.pos().x() == start_dock.x()
    dock.move(dock.pos().x() - 100, dock.pos().y())  # the user drags the views elsewhere
    qtbot.waitUntil(lambda: window.why._dock_offset == dock.pos() - window.pos(), timeout=3000)
    placed = dock.pos()
    window.move(window.pos().x(), window.pos().y() - 20)
    qtbot.waitUntil(lambda: dock.pos().y() == placed.y() - 20, timeout=3000)
    assert dock.pos().x() == placed.x() and screen.contains(dock.frameGeometry().topLeft())
