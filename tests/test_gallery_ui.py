"""My drawings as a gallery, corrections refused in words, pictures and corrections, Undo over a picture."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QListWidget, QPushButton, QToolButton

from mnist_pad import corrections, paths
from mnist_pad.ui.corrections_view import THUMBNAIL, thumbnail

from test_ui import BAR, SEVEN, drag, open_window, settle
from test_ui_files import digit_png

CORNER_ONE = [(20.0, 20.0), (20.0, 50.0)]  # a small digit in the top-left corner



@pytest.fixture
def window(qtbot, tiny_model_path):
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    return window


def saved(*labels_and_strokes) -> list[corrections.Correction]:
    for label, strokes in labels_and_strokes:
        corrections.append(paths.corrections_file(), corrections.make(strokes, label, 12.0, 280))
    return corrections.load(paths.corrections_file())[0]


def ink_box(pixmap) -> tuple[int, int, int, int]:
    image = pixmap.toImage().convertToFormat(pixmap.toImage().Format.Format_Grayscale8)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[:, :image.width()]
    rows, columns = np.nonzero(pixels.min(axis=1) < 128)[0], np.nonzero(pixels.min(axis=0) < 128)[0]
    return rows[0], rows[-1], columns[0], columns[-1]


def test_thumbnails_are_centred_on_their_ink(qapp):
    small = corrections.make([CORNER_ONE], 1, 6.0, 280)
    top, bottom, left, right = ink_box(thumbnail(small))
    assert bottom - top > 0.7 * THUMBNAIL  # the corner digit fills its thumbnail's height...
    assert abs((left + right) / 2 - THUMBNAIL / 2) < 3 and abs((top + bottom) / 2 - THUMBNAIL / 2) < 3  # ...centred


def open_gallery(qtbot, window):
    dialog = window.learning.open_my_drawings()
    qtbot.waitUntil(lambda: bool(dialog.records) and dialog.list.count() == len(dialog.records), timeout=10000)
    return dialog


def test_delete_key_removes_and_undo_restores_the_records(qtbot, window):
    before = saved((1, [CORNER_ONE]), (7, [SEVEN]), (4, [BAR]))
    dialog = open_gallery(qtbot, window)
    gallery = dialog.findChild(QListWidget, "myDrawingsList")
    undo = dialog.findChild(QPushButton, "myDrawingsUndo")
    delete = dialog.findChild(QPushButton, "myDrawingsDelete")
    assert not undo.isEnabled() and not delete.isEnabled(), "nothing selected, nothing to delete"
    gallery.item(0).setSelected(True)
    gallery.item(2).setSelected(True)
    assert delete.isEnabled()
    gallery.setFocus()
    with qtbot.waitSignal(dialog.changed, timeout=10000) as deleted:
        QTest.keyClick(gallery, Qt.Key.Key_Delete)
    assert deleted.args == [1] and [r.label for r in corrections.load(paths.corrections_file())[0]] == [7]
    assert "Deleted 2 drawings" in dialog.summary.text() and undo.isEnabled()
    with qtbot.waitSignal(dialog.changed, timeout=10000) as restored:
        QTest.keySequence(dialog, QKeySequence("Ctrl+Z"))
    assert restored.args == [3] and not undo.isEnabled()
    after = corrections.load(paths.corrections_file())[0]
    assert sorted(r.line_id for r in after) == sorted(r.line_id for r in before)  # the very same lines
    assert {r.line_id: r.time for r in after} == {r.line_id: r.time for r in before}


def test_double_click_opens_the_drawing_on_the_canvas_at_its_width(qtbot, window):
    saved((7, [SEVEN, BAR]))
    drag(window, CORNER_ONE)
    drawn = window.canvas.strokes()
    dialog = open_gallery(qtbot, window)
    assert dialog.summary.text().startswith("1 drawing you corrected")  # not "1 drawings"
    gallery = dialog.findChild(QListWidget, "myDrawingsList")
    rect = gallery.visualItemRect(gallery.item(0))
    QTest.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    QTest.mouseDClick(gallery.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rect.center())
    assert len(window.canvas.strokes()) == 2 and window.brush_width == 12
    assert window.canvas.strokes()[0][0] == pytest.approx(SEVEN[0])
    window.undo()
    window.undo()
    window.undo()  # stroke by stroke, then the drawing that was there before
    assert window.canvas.strokes() == drawn


def shown_digit(qtbot, window) -> int:
    settle(qtbot, window)
    qtbot.waitUntil(lambda: window.results.bars.values.any(), timeout=10000)
    return int(np.argmax(window.results.bars.values))


def test_duplicates_and_corrections_the_model_agrees_with_are_refused_in_words(qtbot, window):
    drag(window, SEVEN)
    read = shown_digit(qtbot, window)
    assert not window.learning.save_correction(read)
    assert f"already reads it as {read}" in window.statusBar().currentMessage()
    other = (read + 1) % 10
    QTest.keySequence(window, QKeySequence(f"Ctrl+{other}"))
    assert f"Saved as a {other}" in window.statusBar().currentMessage()
    QTest.keySequence(window, QKeySequence(f"Ctrl+{other}"))
    assert f"already saved as {other}" in window.statusBar().currentMessage()
    assert not window.learning.save_correction((other + 1) % 10 if (other + 1) % 10 != read else (other + 2) % 10)
    assert len(corrections.load(paths.corrections_file())[0]) == 1
    # deleted in My drawings since: saving it again is allowed
    dialog = open_gallery(qtbot, window)
    dialog.list.item(0).setSelected(True)
    with qtbot.waitSignal(dialog.changed, timeout=10000):
        dialog.delete_selected()
    assert window.learning.save_correction(other)


def test_corrections_are_disabled_while_nothing_is_drawn_saying_why(qtbot, window):
    button = window.findChild(QToolButton, "correct3")
    assert not button.isEnabled() and "Draw a digit first" in button.toolTip()
    drag(window, SEVEN)
    assert button.isEnabled() and "Save this drawing as a 3" in button.toolTip()
    window.clear()
    assert not button.isEnabled() and "Draw a digit first" in button.toolTip()
    window.undo()  # the drawing is back, and so are corrections
    assert button.isEnabled()
    window.number_mode.set_active(True)  # the number canvas is empty: nothing to correct there
    assert not button.isEnabled() and "Draw a digit first" in button.toolTip()
    window.number_mode.set_active(False)
    assert button.isEnabled()


def test_corrections_are_disabled_over_a_picture_and_undo_brings_the_picture_back(qtbot, window, tmp_path):
    picture = tmp_path / "seven.png"
    digit_png(picture)
    with qtbot.waitSignal(window.picture_opened, timeout=10000):
        window.open_image(picture)
    button = window.findChild(QToolButton, "correct3")
    assert not button.isEnabled() and "picture" in button.toolTip()
    QTest.keySequence(window, QKeySequence("Ctrl+3"))
    assert "cannot be saved as a correction" in window.statusBar().currentMessage()
    assert not paths.corrections_file().exists()
    opened = window.canvas.picture
    drag(window, BAR)  # drawing replaces the picture...
    assert window.canvas.picture is None and button.isEnabled()
    window.undo()  # ...and Undo brings it back, read again
    assert window.canvas.picture is opened and not button.isEnabled()
    settle(qtbot, window)  # the answer to the picture's new reading (earlier ones may still be arriving)
    assert window.prediction.digit.text().isdigit() and window.canvas.strokes() == ()
    window.redo()
    assert window.canvas.picture is None and len(window.canvas.strokes()) == 1
    window.undo()
    window.clear()  # Clear drops the picture for good
    assert window.canvas.picture is None and not window.undo_action.isEnabled()
