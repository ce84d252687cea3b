"""The main window's files, chart, dialogs and start-up: pictures in, PNGs out, no display, no torch."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from mnist_pad import Recognizer
from mnist_pad.images import read_gray
from mnist_pad.raster import rasterize
from mnist_pad.ui import MainWindow, app

from test_ui import SEVEN, drag, error_text, settle



@pytest.fixture
def window(qtbot, tiny_model_path) -> MainWindow:
    window = MainWindow(model=tiny_model_path)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    return window


def digit_png(path, strokes=(SEVEN,)) -> None:
    paper = np.ascontiguousarray(255 - rasterize(strokes, 18, 280))
    assert QImage(paper.data, 280, 280, 280, QImage.Format.Format_Grayscale8).save(str(path))


def test_open_image_classifies_the_picture(qtbot, window, tmp_path, tiny_model_path):
    picture = tmp_path / "seven.png"
    digit_png(picture)
    with qtbot.waitSignal(window.picture_opened, timeout=10000):
        window.open_image(picture)
    settle(qtbot, window)
    recognizer = Recognizer.load(tiny_model_path)
    expected = recognizer.prepare_image(read_gray(picture))
    np.testing.assert_array_equal(window.preview.image, expected.image)
    assert window.prediction.digit.text().isdigit() and window.canvas.picture is not None
    drag(window, SEVEN)  # drawing replaces the picture
    settle(qtbot, window)
    assert window.canvas.picture is None


FOUR = [(170, 230), (170, 50), (60, 170), (220, 170)]


def number_png(path, gap: int) -> None:
    """A 7 and a 4 written side by side on a 700 px sheet, `gap` px apart (about 40 px: they nearly touch)."""
    def placed(stroke, dx):
        return [(x + dx, y + 100) for x, y in stroke]
    paper = np.ascontiguousarray(255 - rasterize([placed(SEVEN, 0), placed(FOUR, 150 + gap)], 14, 700))
    assert QImage(paper.data, 700, 700, 700, QImage.Format.Format_Grayscale8).save(str(path))


@pytest.mark.parametrize("gap", [40, 250], ids=["close", "apart"])
def test_a_picture_of_a_number_says_several_digits_and_reads_them(qtbot, gap, tmp_path):
    """Close digits reached the one-digit reading as one blob ("doesn't look like a digit"), digits
    apart as an error box ("Recognition failed (picture): SeveralDigitsError …"); both now say what
    the picture holds, and what to do to read one digit."""
    window = MainWindow(model="robust")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    picture = tmp_path / "number.png"
    number_png(picture, gap)
    with qtbot.waitSignal(window.picture_opened, timeout=10000):
        window.open_image(picture)
    settle(qtbot, window)
    assert window.prediction.digit.text() == "74"
    assert window.prediction.confidence.text().startswith("several digits") and "crop" in window.prediction.confidence.text()
    assert not window.bars.values.any() and not window.preview.image.any()
    assert error_text(window) == ""
    drag(window, SEVEN)  # drawing replaces the picture and its number
    settle(qtbot, window)
    assert window.prediction.digit.text().isdigit() and len(window.prediction.digit.text()) == 1


def test_a_corrupt_image_shows_a_message_and_changes_nothing(qtbot, window, tmp_path):
    drag(window, SEVEN)
    settle(qtbot, window)
    before = (window.canvas.strokes(), window.preview.image.copy(), window.prediction.digit.text())
    corrupt = tmp_path / "digit.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 20)
    with qtbot.waitSignal(window.picture_failed, timeout=10000):
        window.open_image(corrupt)
    assert "digit.png" in error_text(window)
    settle(qtbot, window)
    after = (window.canvas.strokes(), window.preview.image, window.prediction.digit.text())
    assert after[0] == before[0] and np.array_equal(after[1], before[1]) and after[2] == before[2]
    with qtbot.waitSignal(window.picture_failed, timeout=10000):
        window.open_image(tmp_path / "notes.txt")
    assert "no such file" in error_text(window)


def test_dropping_a_file_opens_it(qtbot, window, tmp_path):
    picture = tmp_path / "dropped.png"
    digit_png(picture)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(picture))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.picture_opened, timeout=10000):
        window.dropEvent(drop)
    settle(qtbot, window)
    assert window.canvas.picture is not None and window.preview.image.any()


def test_save_drawing_as_png_round_trips(qtbot, window, tmp_path):
    target = tmp_path / "mine.png"
    assert not window.save_png(target) and "no drawing" in error_text(window)
    drag(window, SEVEN)
    assert window.save_png(target)
    saved = read_gray(target)
    expected = 255 - rasterize(window.canvas.strokes(), window.brush_width, 280)
    np.testing.assert_array_equal(saved, expected)


def test_a_saved_png_opens_as_its_strokes_again_at_its_brush_width(qtbot, window, tmp_path):
    target = tmp_path / "mine.png"
    drag(window, SEVEN)
    drag(window, [(90, 150), (190, 150)])
    window.set_brush_width(20)
    drawn = window.canvas.strokes()
    assert window.save_png(target)
    window.clear()
    window.set_brush_width(5)
    with qtbot.waitSignal(window.drawing_opened, timeout=10000):
        window.open_image(target)
    assert window.canvas.picture is None and window.brush_width == 20
    assert len(window.canvas.strokes()) == 2
    np.testing.assert_allclose(np.concatenate(window.canvas.strokes()), np.concatenate(drawn), atol=0.005)
    assert "Opened the strokes of mine.png (20 px)" in window.statusBar().currentMessage()
    window.set_brush_width(40)  # vectors again: the same drawing at another width
    settle(qtbot, window)
    from mnist_pad.recognizer import prepare_strokes
    np.testing.assert_array_equal(window.preview.image, prepare_strokes(window.canvas.strokes(), 40, 280).image)
    window.undo()
    window.undo()  # the two strokes, then back to what was on the canvas: the cleared sheet
    assert window.canvas.is_empty()


def test_a_png_whose_saved_strokes_are_damaged_opens_as_a_picture_saying_so(qtbot, window, tmp_path):
    from PIL import Image, PngImagePlugin

    from mnist_pad.saved_drawing import KEY

    info = PngImagePlugin.PngInfo()
    info.add_text(KEY, '{"format": "mnist-pad-drawing", "version": 1, "canvas": [280, 280], "strokes": "x"')
    path = tmp_path / "damaged.png"
    Image.fromarray(255 - rasterize((SEVEN,), 18, 280)).save(path, pnginfo=info)
    with qtbot.waitSignal(window.picture_opened, timeout=10000):
        window.open_image(path)
    assert window.canvas.picture is not None and window.canvas.strokes() == ()
    qtbot.waitUntil(lambda: "as a picture" in window.statusBar().currentMessage(), timeout=3000)
    assert "not valid JSON" in window.statusBar().currentMessage()


def test_file_dialogs_start_in_the_folder_used_last_never_the_working_folder(qtbot, window, tmp_path, monkeypatch):
    from pathlib import Path

    from mnist_pad.ui import window_files

    asked = []

    def dialog(answer):
        def ask(parent, caption, start, filters):
            asked.append(start)
            return answer, filters
        return ask

    folder = tmp_path / "drawings"
    folder.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(window_files.QFileDialog, "getSaveFileName", dialog(str(folder / "seven")))
    drag(window, SEVEN)
    window.findChild(QAction, "actionSavePng").trigger()
    assert Path(asked[-1]).parent != tmp_path and Path(asked[-1]).name == "digit.png"  # Pictures or home
    assert (folder / "seven.png").exists()  # ".png" added
    monkeypatch.setattr(window_files.QFileDialog, "getOpenFileName", dialog(""))  # cancelled
    window.files.choose_picture()
    assert asked[-1] == str(folder)
    window.number_mode.set_active(True)
    window.files.choose_png()
    assert asked[-1] == str(folder / "number.png")


def test_saving_onto_a_full_disk_keeps_the_old_file_and_the_drawing(qtbot, window, tmp_path, monkeypatch):
    import os

    target = tmp_path / "mine.png"
    target.write_bytes(b"the user's old file")
    drag(window, SEVEN)

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    assert not window.save_png(target)
    assert "No space left" in error_text(window) and "still here" in error_text(window)
    assert target.read_bytes() == b"the user's old file" and not list(tmp_path.glob(".mine.png*"))
    assert window.canvas.strokes()


def test_clicking_the_chart_sets_the_brush_width(qtbot, window):
    chart = window.chart.plot()
    view = chart.getPlotItem().getViewBox()
    scene_point = view.mapViewToScene(QPointF(30.0, 0.5))
    widget_point = chart.mapFromScene(scene_point)
    QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point)
    qtbot.waitUntil(lambda: window.brush_width == 30, timeout=3000)
    assert window.canvas.brush_width == 30 and chart.marker.value() == 30


def test_about_and_model_card_do_not_block(qtbot, window):
    window.show_about()
    window.show_model_card()
    boxes = [box for box in window.findChildren(QMessageBox) if box.isVisible()]
    texts = " ".join(box.text() for box in boxes)
    assert "PySide6" in texts and "ONNX Runtime" in texts and "tiny" in texts and "padnet" in texts
    for box in boxes:
        box.close()


def test_without_a_display_it_says_so_in_one_line(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main([]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "xvfb-run mnist-pad" in lines[0]


def test_missing_x11_libraries_are_named_with_the_packages_to_install(monkeypatch, tmp_path, capsys):
    import ctypes

    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"\x7fELF")

    def cannot_load(path, *args, **kwargs):
        raise OSError(f"{path}: libxcb-icccm.so.4: cannot open shared object file: No such file or directory")
    monkeypatch.setattr(ctypes, "CDLL", cannot_load)
    assert app.missing_x11_library(plugin) == "libxcb-icccm.so.4"
    monkeypatch.setattr(app, "missing_x11_library", lambda: "libxcb-icccm.so.4")
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main([]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "libxcb-icccm.so.4" in lines[0] and "apt-get install libxcb-cursor0" in lines[0]


# Paints one large antialiased fill, as the canvas's map or the chart's curves do, in a fresh process; prints
# how many threads Qt's pool started for it.
LARGE_FILL = """
import os, sys
if sys.argv[1] == "as the app starts":
    from mnist_pad.ui.app import prepare_qt
    prepare_qt()
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
app = QGuiApplication([])
image = QImage(800, 800, QImage.Format.Format_ARGB32_Premultiplied)
image.fill(0)
painter = QPainter(image)
painter.setRenderHint(QPainter.RenderHint.Antialiasing)
painter.setBrush(QColor(200, 30, 30, 128))
painter.drawEllipse(0, 0, 800, 800)
painter.end()
names = [open(f"/proc/self/task/{task}/comm").read().strip() for task in os.listdir("/proc/self/task")]
print(sum(name == "Thread (pooled)" for name in names))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in Linux's /proc")
def test_the_app_fills_on_the_ui_thread_not_on_a_pool_it_would_wait_for():
    """Qt splits a large fill into parts for a pool of its threads and waits for them all; beside a busy core
    each part waited for a core while the UI thread sat blocked. The app turns that pool off before Qt starts."""
    def pool_threads(how: str) -> int:
        env = {name: value for name, value in os.environ.items() if name != "QT_NO_GUI_THREADPOOL"}
        run = subprocess.run([sys.executable, "-c", LARGE_FILL, how], capture_output=True, text=True, env=env, timeout=120)
        assert run.returncode == 0, run.stderr
        return int(run.stdout.split()[-1])

    if pool_threads("as Qt starts by itself") == 0:
        pytest.skip("this Qt fills on one thread anyway")
    assert pool_threads("as the app starts") == 0


def test_the_ui_does_not_import_torch_before_the_window_shows():
    code = ("import sys; import mnist_pad.ui, mnist_pad.ui.app; "
            "from mnist_pad.ui import main_window; print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
