"""Non-modal dialogs open beside the main window, never over the canvas when the screen has room."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtCore import QPoint, QRect, QSize

from mnist_pad.ui.placement import beside

SCREEN = QRect(0, 0, 2560, 1440)
DIALOG = QSize(600, 500)


@pytest.mark.parametrize("window, expected", [
    (QRect(100, 100, 1100, 700), QPoint(1208, 100)),   # room on the right
    (QRect(1400, 100, 1100, 700), QPoint(792, 100)),   # only on the left
    (QRect(300, 100, 1900, 700), QPoint(300, 808)),    # only below
])
def test_a_dialog_goes_right_else_left_else_below(window, expected):
    corner = beside(window, DIALOG, SCREEN)
    assert corner == expected
    assert not QRect(corner, DIALOG).intersects(window) and SCREEN.contains(QRect(corner, DIALOG))


def test_without_room_it_stays_on_screen_over_the_right_hand_column():
    window = QRect(0, 0, 2560, 1400)
    corner = beside(window, DIALOG, SCREEN)
    assert SCREEN.contains(QRect(corner, DIALOG)) and corner.x() == 2560 - 600


def test_the_retrain_dialog_opens_beside_the_window_not_over_the_canvas(tmp_path, tiny_model_path):
    """In the real app, on an offscreen 2560x1440 screen (its own process: the screen is set at start)."""
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [{"name": "wide", "x": 0, "y": 0, "width": 2560, "height": 1440,
                                                "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    script = textwrap.dedent("""
        import json, sys
        from PySide6.QtCore import QPoint, QRect
        from PySide6.QtWidgets import QApplication
        from mnist_pad.ui import MainWindow
        app = QApplication([])
        window = MainWindow(model=sys.argv[1])
        window.move(200, 100)
        window.show()
        app.processEvents()
        canvas = QRect(window.canvas.mapToGlobal(QPoint(0, 0)), window.canvas.size())
        places = {}
        for name, open_dialog in (("retrain", window.learning.open_retrain), ("accuracy", window.learning.open_accuracy)):
            dialog = open_dialog()
            app.processEvents()
            places[name] = [dialog.frameGeometry().intersects(canvas), dialog.frameGeometry().intersects(window.frameGeometry()),
                            dialog.isModal(), dialog.x() > window.frameGeometry().right()]
            dialog.hide()
        print(json.dumps(places))
        window.close()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screens}", XDG_CONFIG_HOME=str(tmp_path / "config"))
    done = subprocess.run([sys.executable, "-c", script, str(tiny_model_path)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    places = json.loads(done.stdout.strip().splitlines()[-1])
    assert places == {"retrain": [False, False, False, True], "accuracy": [False, False, False, True]}
