"""GUI figures: event-loop stalls and input-to-probabilities latency while drawing, and start-up time.

`python -m mnist_pad.ui.bench [--seconds S] [--model M]` prints them; `measure_gui()` returns them.
Runs offscreen when there is no display. Figures, not pass/fail: a busy machine shows in them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from ..machine import stolen_seconds

WINDOW = (1060, 720)  # the window the GUI figures are taken in, unless asked for another
STARTUP_RUNS = 3  # launches timed: the issues give the median of three


def measure_gui(duration_s: float = 5.0, model: str | None = None, event_interval_ms: float = 8.0,
                startup: bool = True, retrain_data_dir: str | None = None, retrain_budget_s: int = 60,
                show_why: bool = False, window_size: tuple[int, int] = WINDOW) -> dict:
    """Draw continuously for `duration_s` with live prediction on and return the figures (ms, s).

    The window is `window_size` (width, height): a larger one paints a larger canvas, map and chart.

    With `show_why`, View → Show why is on: the attribution map, stroke effects and MNIST likeness
    follow the drawing too (`why_maps_shown` counts the maps put on screen).

    With `retrain_data_dir`, Model → Retrain… is started first with the dialog's defaults (as a
    user would, saving into a scratch folder), the drawing is measured while it runs, and the
    retrained model's figures are added once it ends.
    """
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from .app import prepare_qt

    prepare_qt()  # as the app does (it takes effect if no QApplication has painted yet: the tests do it first)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    user_data = os.environ.get("MNIST_PAD_DATA_DIR")
    with tempfile.TemporaryDirectory() as scratch:
        for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):  # never touch the user's settings
            QSettings.setPath(kind, QSettings.Scope.UserScope, scratch)
        os.environ["MNIST_PAD_DATA_DIR"] = str(Path(scratch) / "data")  # nor the user's models
        try:
            model_path, model_note = _model_for_bench(model)
            retrain = (retrain_data_dir, retrain_budget_s) if retrain_data_dir else None
            figures = _drawing_figures(app, model_path, duration_s, event_interval_ms, retrain, show_why, window_size)
        finally:
            if user_data is None:
                os.environ.pop("MNIST_PAD_DATA_DIR", None)
            else:
                os.environ["MNIST_PAD_DATA_DIR"] = user_data
        figures["model"] = model_note
        figures["platform"] = app.platformName()
        figures["load_average_1min"] = round(os.getloadavg()[0], 2)  # other work on the machine shows in the figures
        figures["cpu_count"] = os.cpu_count()
        if startup:
            figures.update(_startup_figures(model_path))
    return figures


def _model_for_bench(model: str | None) -> tuple[str, str]:
    """The model file to run (the one asked for, else the shipped default) and how to name it."""
    from .. import paths

    spec = model or paths.DEFAULT_MODEL
    path = paths.shipped_model(spec) if spec in paths.SHIPPED_MODELS else Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"no model at {path}")
    return str(path), spec


def _start_retraining(app, window, data_dir: str, budget_s: int) -> dict:
    """Model → Retrain… → Start with the dialog's defaults; returns a record filled in as it runs."""
    window.retrain_action.trigger()
    dialog = window.learning.retrain_dialog
    dialog.data_dir.setText(data_dir)
    dialog.budget.setValue(budget_s)
    record = {"started": time.perf_counter()}
    dialog.run.progress.connect(lambda event: record.setdefault("training", time.perf_counter()))
    dialog.run.succeeded.connect(lambda event: record.update(done=event, ended=time.perf_counter()))
    dialog.run.failed.connect(lambda message: record.update(failed=message, ended=time.perf_counter()))
    dialog.start_button.click()
    _spin_until(app, lambda: "training" in record or "ended" in record, 120)  # measure once it really trains
    return record


def _retraining_figures(app, record: dict, budget_s: int) -> dict:
    """Wait for the retraining to end; its wall time and the new model's figures."""
    _spin_until(app, lambda: "ended" in record, budget_s + 120)
    if "done" not in record:
        raise RuntimeError(f"retraining from the dialog failed: {record.get('failed', 'it did not end in time')}")
    figures = record["done"]["figures"]
    return {"retrain_budget_s": float(budget_s), "retrain_wall_s": round(record["ended"] - record["started"], 1),
            "retrain_mnist_test_accuracy": figures.get("mnist_test_accuracy", math.nan),
            "retrain_pendigits_worst_width_accuracy": figures.get("pendigits_worst_width_accuracy", math.nan)}


def _drawing_figures(app, model_path: str, duration_s: float, event_interval_ms: float,
                     retrain: tuple[str, int] | None = None, show_why: bool = False,
                     window_size: tuple[int, int] = WINDOW) -> dict:
    from PySide6.QtCore import QEvent, QEventLoop, Qt, QTimer
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    from .app import tune_process_for_drawing
    from .main_window import MainWindow

    window = MainWindow(model=model_path)
    tune_process_for_drawing(window)
    built: list[bool] = []
    window.chart.plot_built.connect(lambda: built.append(True))
    window.resize(*window_size)
    window.show()
    # start-up is timed on its own: the drawing is measured once the model is in and the chart's plot, built
    # just after the window shows (~0.4 s importing pyqtgraph; its first paints ~10-14 ms each), is there
    _spin_until(app, lambda: window.model_info is not None and bool(built), 60)
    if window.model_info is None or not built:
        window.close()
        raise RuntimeError(f"the model {model_path} did not load" if window.model_info is None
                           else "the window never painted its chart")
    canvas = window.canvas

    sent: dict[int, float] = {}
    shown: list[tuple[int, float]] = []
    window.live.requested.connect(lambda seq: sent.setdefault(seq, time.perf_counter()))
    window.prediction_shown.connect(lambda seq: shown.append((seq, time.perf_counter())))
    explained: list[int] = []
    window.why.explanation_shown.connect(explained.append)
    window.why.show_action.setChecked(show_why)

    heartbeat = Heartbeat()
    events: list[float] = []
    state = {"step": 0}

    def send(kind: QEvent.Type, x: float, y: float) -> None:
        position = canvas.to_widget(x, y)
        button = Qt.MouseButton.LeftButton
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
        event = QMouseEvent(kind, position, canvas.mapToGlobal(position), button if kind != QEvent.Type.MouseMove
                            else Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(canvas, event)

    def move() -> None:
        step = state["step"]
        state["step"] += 1
        events.append(time.perf_counter())
        stroke_step = step % 60   # a stroke of 60 events (about half a second), then the next one
        angle = step * 0.11
        x = 140 + 80 * math.sin(angle) * (1 + 0.2 * math.sin(step * 0.013))
        y = 140 + 95 * math.sin(2 * angle) / 2
        if stroke_step == 0:
            if step and (step // 60) % 4 == 0:
                window.clear()
            send(QEvent.Type.MouseButtonPress, x, y)
        elif stroke_step == 59:
            send(QEvent.Type.MouseButtonRelease, x, y)
        else:
            send(QEvent.Type.MouseMove, x, y)

    driver = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=max(1, round(event_interval_ms)))
    driver.timeout.connect(move)
    _spin_until(app, lambda: False, 0.3)  # let start-up work settle
    record = _start_retraining(app, window, *retrain) if retrain else None
    heartbeat.start()
    driver.start()
    ui_cpu_started, wall_started = time.thread_time(), time.perf_counter()
    loop = QEventLoop()
    QTimer.singleShot(int(duration_s * 1000), loop.quit)
    loop.exec()  # the real event loop, blocking in poll like the app does, not a busy spin
    ui_busy = (time.thread_time() - ui_cpu_started) / (time.perf_counter() - wall_started)
    driver.stop()
    _spin_until(app, window.is_up_to_date, 5)
    heartbeat.stop()
    retrained = _retraining_figures(app, record, retrain[1]) if retrain else {}
    window.close()

    latencies = _latencies(events, sent, shown)
    ages = _result_ages(events, sent, shown)
    return {
        "duration_s": duration_s,
        "window": f"{window.width()}x{window.height()}",
        "events": len(events),
        "event_interval_ms": event_interval_ms,
        "predictions_shown": len(shown),
        **stall_figures(heartbeat.ticks),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 2) if len(latencies) else None,
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 2) if len(latencies) else None,
        "latency_max_ms": round(float(np.max(latencies)), 2) if len(latencies) else None,
        # without the throttle's wait: from the newest input a shown prediction includes to showing it
        "result_age_p95_ms": round(float(np.percentile(ages, 95)), 2) if len(ages) else None,
        "ui_thread_busy_share": round(ui_busy, 3),
        # the same event loop with no app at all, doing the same share of plain Python work per input event:
        # what this machine's own jitter gives (a virtual machine's vCPU is sometimes held back for ~10-20 ms)
        "reference_stall_max_ms": reference_stall_ms(app, duration_s, event_interval_ms, ui_busy),
        **({"why_maps_shown": len(explained)} if show_why else {}),
        **retrained,
    }


class Heartbeat:
    """A 1 ms timer on the UI thread: its gaps are the event loop's stalls. Each tick notes the wall clock, the
    UI thread's CPU time and, on Linux, the time it has waited for a core (runnable, but another thread ran:
    /proc's schedstat) and the time the hypervisor has held this virtual machine's cores back (/proc/stat's
    steal, in its 10 ms steps), so that a stall can be told apart into the app's own work and the rest."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[tuple[float, float, float, float]] = []
        self.timer = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=1)
        self.timer.timeout.connect(self._tick)
        self._files = {name: _open(path) for name, path in
                       (("schedstat", f"/proc/self/task/{threading.get_native_id()}/schedstat"), ("stat", "/proc/stat"))}

    def _tick(self) -> None:
        waited = stolen = math.nan
        if self._files["schedstat"] is not None:
            waited = int(os.pread(self._files["schedstat"], 64, 0).split()[1]) / 1e9  # ns runnable, not running
        if self._files["stat"] is not None:
            stolen = stolen_seconds(os.pread(self._files["stat"], 200, 0))
        self.ticks.append((time.perf_counter(), time.thread_time(), waited, stolen))

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        for name, descriptor in self._files.items():
            if descriptor is not None:
                os.close(descriptor)
            self._files[name] = None


def _open(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDONLY)
    except OSError:
        return None


def stall_figures(ticks: list[tuple[float, ...]]) -> dict:
    """The event loop's stalls from a heartbeat's ticks (seconds: wall clock, the UI thread's CPU time, its time
    waited for a core, the machine's stolen time; the last two nan where unknown):
    - the longest gap and the 99th percentile;
    - what filled the longest gap: the UI thread's work, its wait for a core, the time the hypervisor took from
      the machine (both cores, in 10 ms steps); the rest the UI thread was not runnable (waiting on the GIL, or
      in the event loop);
    - the longest gap over which the hypervisor took nothing (its counter did not move: less than 10 ms);
    - the UI thread's longest turn of work between two ticks, whichever gap it fell in;
    - the time the hypervisor took from the machine over all the ticks."""
    if len(ticks) < 2:
        return {"stall_max_ms": 0.0, "stall_p99_ms": 0.0}
    steps = np.diff(np.array(ticks, np.float64), axis=0) * 1000
    gaps, cpu, waited, stolen = steps.T
    longest = int(np.argmax(gaps))
    figures = {"stall_max_ms": gaps[longest], "stall_p99_ms": np.percentile(gaps, 99),
               "stall_max_ui_working_ms": cpu[longest]}
    if not np.isnan(waited[longest]):
        figures["stall_max_waiting_for_core_ms"] = waited[longest]
    if not np.isnan(stolen[longest]):
        figures["stall_max_machine_stolen_ms"] = stolen[longest]
        unstolen = gaps[stolen == 0]
        figures["stall_max_nothing_stolen_ms"] = unstolen.max() if len(unstolen) else math.nan
    figures["ui_turn_max_ms"] = cpu.max()
    if not np.isnan(stolen).any():
        figures["machine_stolen_ms"] = stolen.sum()  # while the heartbeat ran, both cores together
    return {name: round(float(value), 2) for name, value in figures.items()}


def reference_stall_ms(app, duration_s: float, event_interval_ms: float, busy_share: float) -> float:
    """The longest heartbeat gap of an event loop that spends `busy_share` of each input interval on
    fixed pure-Python work and nothing else: the floor this machine puts under the app's stall figure."""
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    def spin(count: int) -> None:
        total = 0
        for step in range(count):
            total += step

    spin(200_000)  # warm-up; then the loop count of one millisecond, from the fastest of a few tries
    per_ms = 100_000 / min(_timed(lambda: spin(100_000)) for _ in range(5))
    count = max(1, round(per_ms * busy_share * event_interval_ms))
    heartbeat = Heartbeat()
    work = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=max(1, round(event_interval_ms)))
    work.timeout.connect(lambda: spin(count))
    heartbeat.start()
    work.start()
    loop = QEventLoop()
    QTimer.singleShot(int(duration_s * 1000), loop.quit)
    loop.exec()
    work.stop()
    heartbeat.stop()
    return stall_figures(heartbeat.ticks)["stall_max_ms"]


def _timed(function) -> float:
    """Milliseconds one call takes."""
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def _latencies(events: list[float], sent: dict[int, float], shown: list[tuple[int, float]]) -> np.ndarray:
    """For each input event: until the first prediction shown whose request was made after it."""
    covered = sorted((sent[seq], at) for seq, at in shown if seq in sent)
    if not covered:
        return np.zeros(0)
    send_times = np.array([s for s, _ in covered])
    # a request made later than another may be shown earlier: take the earliest showing from here on
    shown_times = np.minimum.accumulate(np.array([t for _, t in covered])[::-1])[::-1]
    result = []
    for at in events:
        index = np.searchsorted(send_times, at)
        if index < len(send_times):
            result.append((shown_times[index] - at) * 1000)
    return np.array(result)


def _result_ages(events: list[float], sent: dict[int, float], shown: list[tuple[int, float]]) -> np.ndarray:
    """For each prediction shown: since the newest input event its request included."""
    times = np.array(events)
    ages = []
    for seq, at in shown:
        index = np.searchsorted(times, sent.get(seq, -1.0), side="right") - 1
        if seq in sent and index >= 0:
            ages.append((at - times[index]) * 1000)
    return np.array(ages)


def _startup_figures(model_path: str, runs: int = STARTUP_RUNS) -> dict:
    """Seconds from launching a fresh process to its window on screen and to the model ready (the median of
    `runs` launches, as the issues measure it, and the slowest), and the app's resident memory once it has
    recognised and swept a drawing with robust, plain, then robust again (the app's process and its
    inference worker's together: resident, and proportional, where the libraries both map count once;
    the largest of the launches)."""
    launches = [_one_startup(model_path) for _ in range(runs)]
    figures = {}
    for name in ("startup_visible_s", "startup_model_ready_s"):
        values = [launch[name] for launch in launches if name in launch]
        if values:
            figures[name] = round(float(np.median(values)), 3)
            figures[f"{name[:-2]}_slowest_s"] = max(values)
    memory = [launch["app_resident_memory_mb"] for launch in launches if "app_resident_memory_mb" in launch]
    if memory:
        figures["app_resident_memory_mb"] = max(memory)
        for name in ("app_proportional_memory_mb", "ui_process_resident_memory_mb"):
            figures[name] = max(launch.get(name, 0.0) for launch in launches)
        figures["app_imported_torch"] = any(launch["app_imported_torch"] for launch in launches if "app_imported_torch" in launch)
    return figures


def _one_startup(model_path: str) -> dict:
    """One launch of the app in a fresh process (mnist_pad.ui.startup_probe): its figures."""
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as home:
        env["XDG_CONFIG_HOME"] = home  # a first start: no stored settings
        started = time.time()
        result = subprocess.run([sys.executable, "-m", "mnist_pad.ui.startup_probe", model_path], capture_output=True,
                                text=True, timeout=120, env=env)
    marks = dict(line.split()[:2] for line in result.stdout.splitlines()
                 if line.startswith(("visible", "model", "resident", "proportional", "ui_process", "torch_imported")))
    figures = {}
    if "visible" in marks:
        figures["startup_visible_s"] = round(float(marks["visible"]) - started, 3)
    if "model" in marks:
        figures["startup_model_ready_s"] = round(float(marks["model"]) - started, 3)
    if "resident_mb" in marks:
        figures["app_resident_memory_mb"] = round(float(marks["resident_mb"]), 1)
        figures["app_proportional_memory_mb"] = round(float(marks.get("proportional_mb", "nan")), 1)
        figures["ui_process_resident_memory_mb"] = round(float(marks.get("ui_process_mb", "nan")), 1)
        figures["app_imported_torch"] = bool(int(marks["torch_imported"]))
    return figures


def _spin_until(app, condition, timeout_s: float) -> None:
    deadline = time.perf_counter() + timeout_s
    while not condition() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)


def main(argv: list[str] | None = None) -> int:
    """Print the GUI figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m mnist_pad.ui.bench", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to draw (default 5)")
    parser.add_argument("--model", default=None, help="robust (default), plain, or a checkpoint file")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up measurement")
    args = parser.parse_args(argv)
    print(json.dumps(measure_gui(args.seconds, args.model, startup=not args.no_startup), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
