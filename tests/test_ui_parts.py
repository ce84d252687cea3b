"""Small UI building blocks: the labelled slider and background calls (in place of superqt's), the
inference worker's priority and its reuse of a sweep's images."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QObject, Qt
from shiboken6 import isValid

from mnist_pad import Recognizer
from mnist_pad.ui.background import run_in_background
from mnist_pad.ui.canvas import CANVAS_SIZE
from mnist_pad.ui.labeled_slider import LabeledSlider
from mnist_pad.ui.serving import KINDS, LIVE_PREDICTION_KINDS, NUMBER_KINDS, WORKER_STOPPED, WORKER_THREADS, Server
from mnist_pad.ui.worker import WORKER_NICENESS, Inference, Mailbox


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


@pytest.mark.parametrize("setting, in_process", [(None, False), ("thread", False), ("process", True)])
def test_the_worker_is_a_thread_unless_mnist_pad_worker_says_process(qtbot, monkeypatch, setting, in_process):
    """A thread by default: on the issues' 2-core machine the process answered later with a core busy."""
    if setting is None:
        monkeypatch.delenv("MNIST_PAD_WORKER", raising=False)
    else:
        monkeypatch.setenv("MNIST_PAD_WORKER", setting)
    inference = Inference(CANVAS_SIZE)
    try:
        assert (inference.process is not None, inference.worker is not None) == (in_process, not in_process)
    finally:
        inference.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice levels are Linux's")
def test_the_inference_worker_runs_below_the_ui_threads_priority(qtbot):
    inference = Inference(CANVAS_SIZE, in_process=False)
    try:
        seen = {}
        inference.worker.model_failed.connect(lambda *_: seen.setdefault(
            "niceness", os.getpriority(os.PRIO_PROCESS, threading.get_native_id())), Qt.ConnectionType.DirectConnection)
        inference.load("/nonexistent/model.onnx")  # answered in the worker thread, which notes its niceness
        qtbot.waitUntil(lambda: "niceness" in seen, timeout=10000)
        ui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert seen["niceness"] == min(19, ui + WORKER_NICENESS)
    finally:
        inference.stop()


def test_every_request_kind_has_one_part_of_the_window_answering_for_its_failures():
    """Number mode reports its kinds' failures and the window every other's; a number kind left out of
    NUMBER_KINDS would be reported twice, a live one left out would keep the live prediction waiting."""
    assert set(NUMBER_KINDS) == {kind for kind in KINDS if kind.startswith("number")}
    assert set(LIVE_PREDICTION_KINDS) <= set(KINDS) - set(NUMBER_KINDS)
    assert WORKER_STOPPED not in KINDS  # the worker's own end, no request of its


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice levels are Linux's")
def test_the_inference_worker_s_models_run_on_one_thread_at_its_priority(qtbot):
    """The worker's sessions keep to one ONNX Runtime thread (a second, at the worker's low priority, waits
    for a core beside a busy program), and any thread the worker starts inherits its nice level."""
    import psutil

    before = {thread.id for thread in psutil.Process().threads()}
    inference = Inference(CANVAS_SIZE, in_process=False)
    try:
        with qtbot.waitSignal(inference.model_loaded, timeout=20000):
            inference.load("robust")
        with qtbot.waitSignal(inference.compared, timeout=20000):
            inference.compare(1, "plain", (((60.0, 60.0), (200.0, 200.0)),), np.array([4.0, 8.0]))
        server = inference.worker.server
        for recognizer in (server.recognizer, server.comparison[1]):
            assert recognizer.session.get_session_options().intra_op_num_threads == WORKER_THREADS == 1
        started = [thread.id for thread in psutil.Process().threads() if thread.id not in before]
        ui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        assert started and [os.getpriority(os.PRIO_PROCESS, thread) for thread in started] == \
            [min(19, ui + WORKER_NICENESS)] * len(started)
    finally:
        inference.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice levels are Linux's")
def test_the_inference_process_runs_below_the_ui_threads_priority_without_qt_and_ends_with_it(qtbot, tiny_model_path):
    import psutil

    inference = Inference(CANVAS_SIZE, in_process=True)
    failed, loaded = [], []
    inference.model_failed.connect(lambda spec, message: failed.append(message))
    inference.model_loaded.connect(loaded.append)
    inference.load("/nonexistent/model.onnx")  # answered once the process is up and serving
    qtbot.waitUntil(lambda: bool(failed), timeout=10000)
    process = psutil.Process(inference.process.process.pid)
    ui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def niceness() -> list[int]:
        return sorted(psutil.Process(thread.id).nice() for thread in process.threads())
    qtbot.wait(300)
    assert set(niceness()) == {ui}  # no model yet: the next one the user picks loads at full speed
    inference.load(tiny_model_path)
    qtbot.waitUntil(lambda: bool(loaded), timeout=10000)
    lowered = min(19, ui + WORKER_NICENESS)  # once a model is in, every thread but the one filing requests
    qtbot.waitUntil(lambda: niceness().count(lowered) == len(niceness()) - 1, timeout=5000)
    assert niceness()[0] == ui
    libraries = [Path(region.path).name for region in process.memory_maps()]
    assert any("onnxruntime" in name for name in libraries) and not any("Qt6" in name for name in libraries)
    inference.stop()
    assert not process.is_running() or process.status() == psutil.STATUS_ZOMBIE


def test_the_inference_process_answers_the_newest_of_a_thousand_requests_and_drops_the_rest(qtbot, tiny_model_path):
    inference = Inference(CANVAS_SIZE, in_process=True)
    try:
        loaded, seen = [], []
        inference.model_loaded.connect(loaded.append)
        inference.predicted.connect(lambda seq, image, reading: seen.append((seq, image)))
        inference.load(tiny_model_path)
        qtbot.waitUntil(lambda: bool(loaded), timeout=15000)
        stroke = ((60.0, 60.0), (220.0, 60.0), (130.0, 230.0))
        for seq in range(1, 1001):
            inference.predict(seq, (stroke[: 2 + seq % 2],), 16.0)
        qtbot.waitUntil(lambda: bool(seen) and seen[-1][0] == 1000, timeout=10000)
        qtbot.wait(200)
        order = [seq for seq, _ in seen]
        assert order == sorted(order) and order[-1] == 1000 and len(order) < 200
        expected = Recognizer.load(tiny_model_path).prepare_strokes((stroke[:2],), 16.0, CANVAS_SIZE).image
        np.testing.assert_array_equal(seen[-1][1], expected)
    finally:
        inference.stop()


def test_an_inference_process_that_dies_is_started_again_with_the_model(qtbot, tiny_model_path):
    """Killed (out of memory, a crash in a native library): the status bar says so, and drawing goes on."""
    import psutil

    inference = Inference(CANVAS_SIZE, in_process=True)
    try:
        loaded, restarted, failed, seen = [], [], [], []
        inference.model_loaded.connect(loaded.append)
        inference.worker_restarted.connect(restarted.append)
        inference.request_failed.connect(lambda kind, message: failed.append(message))
        inference.predicted.connect(lambda seq, image, reading: seen.append(seq))
        inference.load(tiny_model_path)
        qtbot.waitUntil(lambda: len(loaded) == 1, timeout=15000)
        first = inference.process.process.pid
        psutil.Process(first).kill()
        qtbot.waitUntil(lambda: len(loaded) == 2 and bool(restarted), timeout=15000)
        assert not failed and len(restarted) == 1 and "stopped" in restarted[0] and "started again" in restarted[0]
        assert inference.process.process.pid != first and loaded[1].spec == str(tiny_model_path)
        inference.predict(7, (((60.0, 60.0), (220.0, 220.0)),), 16.0)
        qtbot.waitUntil(lambda: 7 in seen, timeout=10000)
    finally:
        inference.stop()


@pytest.mark.parametrize("broken", ["ends", "cannot start"])
def test_a_worker_process_that_cannot_start_leaves_recognition_to_a_thread_of_the_app(qtbot, tiny_model_path,
                                                                                     monkeypatch, broken):
    """A broken install (the process exits before a first answer) or no Python to start: the model runs
    in a worker thread instead, and the status bar says why."""
    from mnist_pad.ui import worker as worker_module

    if broken == "ends":
        monkeypatch.setattr(worker_module.WorkerProcess, "START", "import sys; sys.exit(3)")
    else:
        monkeypatch.setattr(worker_module.sys, "executable", "/nonexistent/python3")
    inference = Inference(CANVAS_SIZE, in_process=True)
    try:
        loaded, notes, seen = [], [], []
        inference.model_loaded.connect(loaded.append)
        inference.worker_restarted.connect(notes.append)
        inference.predicted.connect(lambda seq, image, reading: seen.append(seq))
        inference.load(tiny_model_path)
        qtbot.waitUntil(lambda: bool(loaded) and bool(notes), timeout=15000)
        assert inference.process is None and inference.worker is not None
        assert notes[0].startswith("Recognition runs inside the app")
        assert ("exit status 3" if broken == "ends" else "nonexistent") in notes[0]
        inference.predict(4, (((60.0, 60.0), (220.0, 220.0)),), 16.0)
        qtbot.waitUntil(lambda: 4 in seen, timeout=10000)
    finally:
        inference.stop()


def test_a_comparison_sweep_of_the_same_drawing_reuses_the_prepared_images(tiny_model_path):
    """The comparison model gets the very images this model's sweep prepared, and they are the
    Recognizer's own sweep images; a new drawing is prepared afresh."""
    recognizer = Recognizer.load(tiny_model_path)
    worker = Server(Mailbox(), CANVAS_SIZE, lambda name, *args: None)
    drawing = (((70.0, 60.0), (210.0, 60.0), (130.0, 235.0)),)
    widths = np.arange(2.0, 51.0, 8.0)
    first = worker._sweep_inputs(recognizer, drawing, widths)
    again = worker._sweep_inputs(recognizer, tuple(tuple(s) for s in drawing), widths)
    assert all(a is b for a, b in zip(first, again))
    for prepared, expected in zip(first, recognizer.prepare_sweep(drawing, widths, CANVAS_SIZE)):
        np.testing.assert_array_equal(prepared.image, expected.image)
    other = worker._sweep_inputs(recognizer, drawing + (((20.0, 20.0),),), widths[:2])
    assert not any(a is b for a, b in zip(first, other))


START_UP_IMPORTS = """
import sys
from PySide6.QtWidgets import QApplication
import mnist_pad.ui.main_window
late = [m for m in ("pyqtgraph", "superqt", "onnxruntime", "PIL", "mnist_pad.ui.retrain_dialog",
                    "mnist_pad.ui.accuracy_dialog") if m in sys.modules]
print("imported before the window:", late)
app = QApplication([])
window = mnist_pad.ui.main_window.MainWindow(model="robust")
window.chart.plot()
print("pyqtgraph once the chart is built:", "pyqtgraph" in sys.modules)
print("CUDA bindings:", "cuda.bindings.runtime" in sys.modules)
window.inference.stop()
"""


def test_the_window_is_built_without_the_heavy_imports():
    """pyqtgraph, superqt, ONNX Runtime, Pillow and the learning dialogs are not needed to show the
    window (each costs start-up time); pyqtgraph comes with the chart's plot, without CUDA bindings."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", START_UP_IMPORTS], capture_output=True, text=True,
                            timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "imported before the window: []" in result.stdout
    assert "pyqtgraph once the chart is built: True" in result.stdout
    assert "CUDA bindings: False" in result.stdout
