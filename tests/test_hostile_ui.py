"""Hostile inputs through the GUI (issue 16): pictures decoded off the UI thread, corrections never lost."""
from __future__ import annotations

import threading
import time

import pytest

from mnist_pad import corrections, paths, picture
from mnist_pad.ui import main_window, window_files
from test_ui import BAR, SEVEN, drag, open_window, settle
from test_ui_files import error_text

EPS_LOOP = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n{ } loop\n"



@pytest.fixture
def window(qtbot, tiny_model_path):
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    return window


def test_postscript_dropped_as_a_png_is_refused_without_freezing(qtbot, window, tmp_path):
    drag(window, SEVEN)
    path = tmp_path / "x.png"
    path.write_bytes(EPS_LOOP)
    with qtbot.waitSignal(window.picture_failed, timeout=10000) as failed:
        window.open_image(path)
    assert "not an image in a format" in failed.args[1] and "x.png" in error_text(window)
    assert window.canvas.strokes() and window.canvas.picture is None, "the drawing stays"


def test_pictures_are_decoded_off_the_ui_thread(qtbot, window, tmp_path, monkeypatch):
    decoded_in = []

    def slow_read(path, key=None):
        decoded_in.append(threading.current_thread())
        time.sleep(0.5)  # a large picture: the window must keep handling events meanwhile
        raise window_files.ImageError(path, "too slow to matter")

    monkeypatch.setattr(picture, "read_file", slow_read)
    started = time.perf_counter()
    window.open_image(tmp_path / "big.png")
    assert time.perf_counter() - started < 0.3
    with qtbot.waitSignal(window.picture_failed, timeout=10000):
        pass
    assert decoded_in and decoded_in[0] is not threading.main_thread()


def not_shown(qtbot, window) -> list[int]:
    """The labels the model does not read the drawing as (a correction it agrees with is refused)."""
    settle(qtbot, window)
    shown = int(window.results.bars.values.argmax()) if window.results.bars.values.any() else -1
    return [digit for digit in range(10) if digit != shown]


def test_deleting_in_my_drawings_keeps_corrections_saved_meanwhile(qtbot, window):
    path = paths.corrections_file()
    drag(window, SEVEN)
    first = not_shown(qtbot, window)[0]
    assert window.learning.save_correction(first)
    with open(path, "a") as file:
        file.write("a line this version cannot read\n")
    dialog = window.learning.open_my_drawings()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    drag(window, BAR)  # another drawing, saved while the gallery is open
    second = not_shown(qtbot, window)[-1]
    assert window.learning.save_correction(second)
    dialog.list.item(0).setSelected(True)
    with qtbot.waitSignal(dialog.changed) as changed:
        dialog.delete_selected()
    assert changed.args == [1]
    records, skipped = corrections.load(path)
    assert [r.label for r in records] == [second] and skipped == 1
    assert window.learning.corrections_count() == 1


def test_saving_a_correction_does_not_reread_the_file(qtbot, window, monkeypatch):
    drag(window, SEVEN)
    assert window.learning.save_correction(not_shown(qtbot, window)[0])
    reads = []
    real_load = corrections.load
    monkeypatch.setattr(corrections, "load", lambda path: reads.append(path) or real_load(path))
    for step in range(4):  # a new drawing each time: the same one twice is refused as a duplicate
        drag(window, [(40 + 30 * step, 250), (60 + 30 * step, 260)])
        assert window.learning.save_correction(not_shown(qtbot, window)[0])
    assert not reads
    assert window.learning.corrections_count() == 5
    assert len(real_load(paths.corrections_file())[0]) == 5


def test_a_last_used_model_with_an_odd_header_falls_back_to_the_default(qtbot, tmp_path):
    import torch

    from mnist_pad import model
    from mnist_pad.ui.settings import Keys, settings

    odd = tmp_path / "odd.pt"
    torch.save({"format": "mnist-pad", "version": 1, "arch": ["padnet"],
                "state_dict": model.build("padnet").state_dict(), "card": {}}, odd)
    settings().setValue(Keys.LAST_MODEL, str(odd))
    window = main_window.MainWindow()
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=30000)
    assert window.model_info.spec == paths.DEFAULT_MODEL
