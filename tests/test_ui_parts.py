"""The small UI building blocks that stand in for superqt: the labelled slider and background calls."""
from __future__ import annotations

import threading

from PySide6.QtCore import QObject
from shiboken6 import isValid

from mnist_pad.ui.background import run_in_background
from mnist_pad.ui.labeled_slider import LabeledSlider


def test_the_slider_and_its_box_show_one_value_and_report_each_change_once(qtbot):
    control = LabeledSlider()
    qtbot.addWidget(control)
    control.setRange(2, 50)
    changes = []
    control.valueChanged.connect(changes.append)
    control.setValue(30)
    assert control.spin_box.value() == 30 and changes == [30]
    control.spin_box.setValue(12)
    assert control.value() == control.slider.value() == 12 and changes == [30, 12]
    control.setValue(99)
    assert control.value() == control.spin_box.value() == control.maximum() == 50


def test_a_background_call_runs_off_the_ui_thread_and_returns_in_it(qtbot):
    owner = QObject()
    seen = {}

    def work(x):
        seen["worker"] = threading.current_thread()
        return x * 2

    run_in_background(owner, work, 21, returned=lambda result: seen.update(result=result, ui=threading.current_thread()))
    qtbot.waitUntil(lambda: "result" in seen, timeout=5000)
    assert seen["result"] == 42
    assert seen["worker"] is not threading.main_thread() and seen["ui"] is threading.main_thread()


def test_a_result_for_a_deleted_owner_is_dropped(qtbot):
    owner = QObject()
    started, release, got = threading.Event(), threading.Event(), []

    def work():
        started.set()
        release.wait(5)
        return "late"

    run_in_background(owner, work, returned=got.append)
    assert started.wait(5)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=3000)
    release.set()
    qtbot.wait(200)
    assert got == []


def _alive(obj: QObject) -> bool:
    return isValid(obj)
