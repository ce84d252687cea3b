"""The main window, driven like a user would: mouse drags, the slider, keys, menus (offscreen)."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from mnist_pad import Recognizer
from mnist_pad.ui import MainWindow
from mnist_pad.ui.canvas import CANVAS_SIZE
from mnist_pad.ui.labeled_slider import LabeledSlider
from mnist_pad.ui.settings import Keys, settings

from test_core import stray

SEVEN = [(70, 60), (120, 58), (170, 57), (210, 60), (180, 120), (150, 180), (130, 235)]
BAR = [(90, 150), (190, 150)]



@pytest.fixture
def recognizer(tiny_model_path):
    return Recognizer.load(tiny_model_path)


def open_window(qtbot, model) -> MainWindow:
    window = MainWindow(model=model)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot, tiny_model_path) -> MainWindow:
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    return window


@pytest.fixture
def thread_window(qtbot, tiny_model_path, monkeypatch) -> MainWindow:
    """A window whose inference worker is a thread of this process (the default, said here), for tests that
    look inside it."""
    monkeypatch.setenv("MNIST_PAD_WORKER", "thread")
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    assert window.inference.worker is not None
    return window


def widget_point(window: MainWindow, x: float, y: float) -> QPoint:
    return window.canvas.to_widget(x, y).toPoint()


def drag(window: MainWindow, points) -> None:
    """Press, move through the points (canvas pixels), release: one stroke."""
    canvas = window.canvas
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, *points[0]))
    for point in points[1:]:
        QTest.mouseMove(canvas, widget_point(window, *point))
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, *points[-1]))


def settle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(window.is_up_to_date, timeout=10000)


def test_objects_are_found_by_name(window):
    for name in ("canvas", "brushWidth", "prediction", "probabilities", "preview28", "thicknessChart"):
        assert window.findChild(QWidget, name) is not None, name
    assert window.findChild(LabeledSlider, "brushWidth") is window.brush_slider
    assert "tiny" in window.model_status.text() and "cpu" in window.model_status.text()


def test_empty_canvas_shows_a_hint_not_a_guess(qtbot, window):
    settle(qtbot, window)
    assert window.prediction.digit.text() == "–"
    assert "Draw" in window.prediction.confidence.text()
    assert not window.bars.values.any() and not window.preview.image.any()


def test_a_mouse_drag_produces_a_prediction(qtbot, window):
    drag(window, SEVEN)
    settle(qtbot, window)
    assert len(window.canvas.strokes()) == 1
    assert window.prediction.digit.text() == str(int(window.bars.values.argmax()))
    assert window.bars.values.sum() == pytest.approx(1.0, abs=1e-4)
    assert window.preview.image.any()
    qtbot.waitUntil(lambda: bool(window.chart.top_digits()), timeout=10000)


def test_strokes_are_kept_in_logical_canvas_pixels_across_resizes(qtbot, window):
    drag(window, SEVEN)
    before = window.canvas.strokes()
    assert np.allclose(np.array(before[0])[[0, -1]], np.array(SEVEN)[[0, -1]], atol=1.5)
    window.resize(window.width() + 200, window.height() + 60)
    qtbot.wait(20)
    assert window.canvas.strokes() == before
    assert window.canvas.to_canvas(window.canvas.to_widget(33.0, 250.0)) == pytest.approx((33.0, 250.0))


def test_the_model_input_is_the_recognizers_for_the_same_strokes(qtbot, window, recognizer):
    drag(window, SEVEN)
    drag(window, BAR)
    settle(qtbot, window)
    expected = recognizer.prepare_strokes(window.canvas.strokes(), window.brush_width, CANVAS_SIZE)
    np.testing.assert_array_equal(window.preview.image, expected.image)
    np.testing.assert_allclose(window.bars.values, recognizer.predict_inputs([expected])[0], atol=1e-5)


def test_the_slider_rerenders_and_repredicts_without_redrawing(qtbot, window, recognizer):
    drag(window, SEVEN)
    settle(qtbot, window)
    strokes, thin_image = window.canvas.strokes(), window.preview.image.copy()
    window.findChild(LabeledSlider, "brushWidth").setValue(40)
    settle(qtbot, window)
    assert window.canvas.strokes() == strokes and window.canvas.brush_width == 40
    assert window.chart.plot().marker.value() == 40
    assert not np.array_equal(window.preview.image, thin_image)
    np.testing.assert_array_equal(window.preview.image, recognizer.prepare_strokes(strokes, 40, CANVAS_SIZE).image)


def test_brackets_and_ctrl_wheel_change_the_brush(qtbot, window):
    window.set_brush_width(20)
    window.activateWindow()
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert window.brush_width == 22
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert window.brush_width == 18
    centre = QPointF(window.canvas.width() / 2, window.canvas.height() / 2)
    wheel = QWheelEvent(centre, window.canvas.mapToGlobal(centre), QPoint(), QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(window.canvas, wheel)
    assert window.brush_width == 22


def test_undo_redo_and_clear(qtbot, window):
    drag(window, SEVEN)
    drag(window, BAR)
    settle(qtbot, window)
    two_strokes = window.preview.image.copy()
    window.activateWindow()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, window)
    assert len(window.canvas.strokes()) == 1
    assert not np.array_equal(window.preview.image, two_strokes)
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    settle(qtbot, window)
    assert len(window.canvas.strokes()) == 2
    np.testing.assert_array_equal(window.preview.image, two_strokes)
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    settle(qtbot, window)
    assert window.canvas.strokes() == () and window.prediction.digit.text() == "–"
    assert not window.preview.image.any() and not window.chart.top_digits()
    window.undo()
    assert len(window.canvas.strokes()) == 2
    window.findChild(QWidget, "clearButton").click()
    assert window.canvas.strokes() == ()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert window.canvas.strokes() == ()


def test_the_model_runs_in_the_worker_process_and_the_results_are_shown_on_the_ui_thread(qtbot, tiny_model_path,
                                                                                        monkeypatch):
    """With MNIST_PAD_WORKER=process the worker is a process of its own: the model cannot run in this one."""
    from mnist_pad.recognizer import Recognizer

    monkeypatch.setenv("MNIST_PAD_WORKER", "process")
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)

    def not_here(*args, **kwargs):
        raise AssertionError("the model ran in the UI's process")
    for name in ("predict_inputs", "read_inputs", "predict_mnist", "sweep", "prepare_strokes"):
        monkeypatch.setattr(Recognizer, name, not_here)
    assert window.inference.process is not None and window.inference.worker is None
    failed = []
    window.inference.request_failed.connect(lambda kind, message: failed.append(message))
    shown_on = draw_predict_and_sweep(qtbot, window)
    assert not failed and window.preview.image.any()
    assert shown_on and all(thread is threading.main_thread() for thread in shown_on), "results shown off the UI thread"


def draw_predict_and_sweep(qtbot, window) -> list:
    """Draw a 7, change the brush, wait for the chart: the threads each prediction and sweep was shown on."""
    shown_on = []
    window.prediction_shown.connect(lambda seq: shown_on.append(threading.current_thread()))
    window.sweep_shown.connect(lambda seq: shown_on.append(threading.current_thread()))
    drag(window, SEVEN)
    window.set_brush_width(30)
    settle(qtbot, window)
    qtbot.waitUntil(lambda: bool(window.chart.top_digits()), timeout=10000)
    return shown_on


def test_the_model_never_runs_on_the_ui_thread(qtbot, thread_window):
    window = thread_window
    worker = window.inference.worker.server
    threads = []
    original = worker.recognizer.predict_inputs

    def recording(inputs):
        threads.append(threading.current_thread())
        return original(inputs)
    worker.recognizer.predict_inputs = recording
    shown_on = draw_predict_and_sweep(qtbot, window)
    assert threads, "the model never ran"
    assert threading.main_thread() not in threads
    assert all(thread is threads[0] for thread in threads)
    assert shown_on and all(thread is threading.main_thread() for thread in shown_on), "results shown off the UI thread"


@pytest.mark.parametrize("worker", ["process", "thread"])
def test_a_thousand_rapid_events_leave_no_backlog(qtbot, tiny_model_path, recognizer, monkeypatch, worker):
    monkeypatch.setenv("MNIST_PAD_WORKER", worker)
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    answers = []  # each prediction computed is answered once
    window.inference.predicted.connect(lambda seq, image, reading: answers.append(seq))
    canvas = window.canvas
    angles = np.linspace(0, 6 * np.pi, 1000)
    points = [(140 + 90 * np.cos(a) * (1 - a / 30), 140 + 90 * np.sin(a) * (1 - a / 30)) for a in angles]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, *points[0]))
    for point in points[1:]:
        QTest.mouseMove(canvas, widget_point(window, *point))
    settle(qtbot, window)
    strokes = canvas.strokes()
    # every event reached the drawing: the stroke passes within a screen pixel of each point (and its rounding)
    screen_pixel = CANVAS_SIZE / canvas.paper_rect().height()
    assert len(strokes[0]) > 50 and stray(points, strokes[0]) <= 1.5 * screen_pixel
    assert len(answers) < 250, f"{len(answers)} predictions for 1,000 events: a backlog"
    expected = recognizer.prepare_strokes(strokes, window.brush_width, CANVAS_SIZE)
    np.testing.assert_array_equal(window.preview.image, expected.image)
    count = len(answers)
    qtbot.wait(150)
    assert len(answers) == count, "work went on after the latest drawing was shown"
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, widget_point(window, *points[-1]))
    settle(qtbot, window)


def test_latest_wins_in_the_worker(qtbot, thread_window):
    """1,000 requests posted while the worker is busy: it computes the newest and drops the rest."""
    window = thread_window
    worker = window.inference.worker.server
    started, release = threading.Event(), threading.Event()
    calls = []
    original = worker.recognizer.predict_inputs

    def blocking(inputs):
        calls.append(inputs)
        started.set()
        release.wait(10)
        return original(inputs)
    worker.recognizer.predict_inputs = blocking
    seen = []
    inference = window.inference
    inference.predicted.connect(lambda seq, image, probabilities: seen.append(seq))
    inference.predict(1, [SEVEN], 16.0)
    assert started.wait(10)
    for seq in range(2, 1002):
        inference.predict(seq, [SEVEN[: 2 + seq % 5]], 16.0)
    release.set()
    qtbot.waitUntil(lambda: 1001 in seen, timeout=10000)
    qtbot.wait(100)
    assert seen == [1, 1001] and len(calls) == 2


def test_settings_round_trip(qtbot, tiny_model_path):
    first = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: first.model_info is not None, timeout=15000)
    first.set_brush_width(31)
    first.resize(1000, 780)
    qtbot.wait(10)
    geometry = first.saveGeometry()
    first.close()
    assert settings().value(Keys.GEOMETRY) == geometry
    second = open_window(qtbot, None)  # no model given: the last one used
    assert second.brush_width == 31 and second.canvas.brush_width == 31
    qtbot.waitUntil(lambda: second.model_info is not None, timeout=15000)
    assert second.model_info.source == str(tiny_model_path)


def error_text(window: MainWindow) -> str:
    box = window.findChild(QMessageBox, "errorBox")
    return box.text() if box is not None and box.isVisible() else ""


def test_a_bad_model_file_is_named_and_the_current_model_stays(qtbot, window, tmp_path):
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"not a checkpoint at all")
    with qtbot.waitSignal(window.model_load_failed, timeout=10000):
        window.load_model(bad)
    assert "broken.pt" in error_text(window) and "not a readable PyTorch checkpoint" in error_text(window)
    assert window.model_info.name == "tiny"
    drag(window, SEVEN)
    settle(qtbot, window)
    assert window.prediction.digit.text().isdigit()


def test_a_missing_model_leaves_the_app_usable_for_drawing(qtbot, tmp_path):
    missing = tmp_path / "robust.pt"
    window = open_window(qtbot, missing)
    qtbot.waitUntil(lambda: bool(error_text(window)), timeout=15000)
    assert "robust.pt" in error_text(window) and "no such file" in error_text(window)
    assert window.model_info is None and "none" in window.model_status.text()
    drag(window, SEVEN)
    assert len(window.canvas.strokes()) == 1
    assert window.prediction.digit.text() == "–"


def test_saved_models_are_listed_and_can_be_chosen(qtbot, window, tiny_model_path):
    from mnist_pad import model_store

    from mnist_pad import model
    from training import export

    target = model_store.next_path("retrained")  # as a retraining saves it: checkpoint and ONNX form
    export.save_model(target, model.build("padnet"), "padnet", {"name": "retrained"}, data_dir=None)
    # the window listed the (then empty) folder at start-up: that answer may still be on its way
    with qtbot.waitSignal(window.saved_models_changed, timeout=10000,
                          check_params_cb=lambda entries: [entry.path for entry in entries] == [str(target)]):
        window.refresh_saved_models()
    assert [entry.path for entry in window.saved_models] == [str(target)]
    action = next(a for a in window.model_menu.group.actions() if a.data() == str(target))
    with qtbot.waitSignal(window.model_changed, timeout=10000):
        action.trigger()
    assert window.model_info.source == str(target) and action.isChecked()
    assert window.findChild(QWidget, "actionRetrain") is None  # an action, not a widget
    assert window.retrain_action.objectName() == "actionRetrain"


def test_an_older_checkpoint_is_converted_in_another_process_and_a_hostile_one_refused(qtbot, window, tiny_model_path,
                                                                                       tmp_path):
    import pickle
    older = tmp_path / "older.pt"
    older.write_bytes(tiny_model_path.read_bytes())  # a checkpoint without its ONNX form
    messages = []
    window.inference.conversion_progress.connect(messages.append)
    with qtbot.waitSignal(window.model_changed, timeout=90000):
        window.load_model(older)
    assert window.model_info.source == str(older) and any("Converting older.pt" in m for m in messages)
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"format": "mnist-pad", "card": _Payload(marker)}, protocol=2))
    with qtbot.waitSignal(window.model_load_failed, timeout=90000):
        window.load_model(evil)
    qtbot.waitUntil(lambda: bool(error_text(window)), timeout=5000)
    assert "evil.pt" in error_text(window) and "refused" in error_text(window)
    assert not marker.exists(), "the pickled code ran"
    assert window.model_info.source == str(older), "the current model stays in use"


class _Payload:
    """Unpickling this would run a shell command: the test proves it never happens."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.system, (f"touch {self.marker}",))


def test_a_pen_draws_like_the_mouse(qtbot, window):
    from PySide6.QtGui import QPointingDevice, QTabletEvent

    canvas = window.canvas
    pen = QPointingDevice.primaryPointingDevice()
    for kind, (x, y) in zip((QTabletEvent.Type.TabletPress, QTabletEvent.Type.TabletMove, QTabletEvent.Type.TabletRelease),
                            BAR + [BAR[-1]]):
        point = canvas.to_widget(x, y)
        event = QTabletEvent(kind, pen, point, canvas.mapToGlobal(point), 0.5, 0.0, 0.0, 0.0, 0.0, 0.0,
                             Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton)
        QApplication.sendEvent(canvas, event)
        assert event.isAccepted()
    assert len(window.canvas.strokes()) == 1 and len(window.canvas.strokes()[0]) == 2
    settle(qtbot, window)
    # A reading is shown (a horizontal bar is a dash: the app may say it doesn't look like a digit).
    assert window.prediction.digit.text() != "–"


def test_when_the_last_model_is_gone_the_default_is_tried(qtbot, tmp_path):
    gone = tmp_path / "retrained-v3.pt"
    settings().setValue(Keys.LAST_MODEL, str(gone))
    window = MainWindow()
    qtbot.addWidget(window)
    messages = []
    window.model_load_failed.connect(lambda spec, message: messages.append((spec, error_text(window))))
    window.show()
    qtbot.waitUntil(lambda: bool(messages), timeout=15000)
    spec, text = messages[0]
    assert spec == str(gone) and "retrained-v3.pt" in text and "Loading robust instead" in text
    qtbot.waitUntil(lambda: window.model_info is not None or len(messages) == 2, timeout=15000)
    assert len(messages) == 1 and window.model_info is not None and window.model_info.spec == "robust"
    assert settings().value(Keys.LAST_MODEL) == "robust"  # the next start does not try the lost file again


def test_only_segments_near_the_repainted_rectangle_are_stroked():
    from mnist_pad.ui.canvas import _runs_within

    stroke = ((0.0, 0.0), (100.0, 0.0), (200.0, 0.0), (200.0, 100.0), (100.0, 100.0), (100.0, -50.0))
    assert _runs_within(stroke, (190.0, 90.0), (210.0, 110.0), 5.0) == [stroke[2:5]]
    # the last segment crosses the first one: both places are repainted
    assert _runs_within(stroke, (95.0, -5.0), (105.0, 5.0), 2.0) == [stroke[0:3], stroke[4:6]]
    assert _runs_within(((5.0, 5.0),), (0.0, 0.0), (10.0, 10.0), 1.0) == [((5.0, 5.0),)]
    assert _runs_within(((50.0, 50.0),), (0.0, 0.0), (10.0, 10.0), 1.0) == []


def test_a_long_stroke_drawn_in_pieces_looks_as_one_path(qapp):
    """Long strokes are stroked in pieces of PATH_POINTS segments (Qt's stroker is slow on one long,
    self-crossing path); the pieces share their end points, so no joint is missing or doubled."""
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QImage, QPainter, QPainterPath, QPen

    from mnist_pad.ui.canvas import INK, PATH_POINTS, _draw_strokes

    angles = np.linspace(0, 12 * np.pi, 3 * PATH_POINTS + 17)  # a spiral crossing itself, over three pieces
    stroke = tuple((140 + 120 * np.sin(a) * (0.3 + a / 60), 140 + 100 * np.cos(1.5 * a)) for a in angles)

    def painted(draw) -> np.ndarray:
        image = QImage(280, 280, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        draw(painter)
        painter.end()
        return np.frombuffer(image.constBits(), np.uint8).reshape(280, 280, 4)[..., 3].astype(int)

    def one_path(painter):
        painter.setPen(QPen(INK, 9.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        path = QPainterPath(QPointF(*stroke[0]))
        for x, y in stroke[1:]:
            path.lineTo(x, y)
        painter.drawPath(path)

    pieces = painted(lambda painter: _draw_strokes(painter, [stroke], 9.0, QRectF(0, 0, 280, 280)))
    whole = painted(one_path)
    assert (whole > 0).sum() > 10_000 and ((pieces > 0) == (whole > 0)).all()  # the same pixels inked
    # where pieces cross each other their soft rims are laid twice: a little darker there, nowhere missing
    difference = np.abs(pieces - whole)
    assert difference.max() < 96 and difference.mean() < 0.2


def test_the_canvas_painted_stroke_by_stroke_looks_as_painted_at_once(qtbot, window):
    drag(window, SEVEN)
    drag(window, BAR)
    drag(window, [(60, 200), (90, 230), (60, 260)])
    incremental = window.canvas.grab().toImage()
    window.canvas._finished_cache = None
    at_once = window.canvas.grab().toImage()
    assert incremental.size() == at_once.size()
    diff = np.abs(_grey(incremental) - _grey(at_once))
    assert diff.max() <= 8 and (diff > 2).mean() < 0.001


def _mid_stroke_canvas(qtbot, points):
    """A canvas 800 px wide with the pen down and moved through `points` (canvas pixels), not released;
    after each move the whole canvas is painted (grab), as a new attribution map has it repainted."""
    from mnist_pad.ui.canvas import Canvas

    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(800, 800)
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.to_widget(*points[0]).toPoint())
    for point in points[1:]:
        QTest.mouseMove(canvas, canvas.to_widget(*point).toPoint())
        canvas.grab()
    return canvas


FIGURE_EIGHT = [(140 + 90 * np.sin(t), 140 + 100 * np.sin(2 * t)) for t in np.linspace(0, 2 * np.pi, 90)]


def test_repainting_the_whole_canvas_mid_stroke_strokes_only_the_new_segments(qtbot, monkeypatch):
    """With Show why on, each new map repaints the whole canvas while the pen moves. The stroke being
    drawn was stroked whole in each such repaint (5 ms for 60 points on an 800 px canvas, a stall over
    16 ms in all on a large window); now it is drawn on a kept sheet, around its new points only, and
    that sheet becomes the finished one when the pen lifts."""
    from mnist_pad.ui import canvas as canvas_module

    stroked = []
    original = canvas_module._draw_strokes
    monkeypatch.setattr(canvas_module, "_draw_strokes", lambda painter, strokes, *rest: (
        stroked.append(sum(len(stroke) - 1 for stroke in strokes)), original(painter, strokes, *rest))[1])
    canvas = _mid_stroke_canvas(qtbot, FIGURE_EIGHT)
    assert 40 < len(canvas.strokes()[0]) <= len(FIGURE_EIGHT) and len(stroked) >= len(FIGURE_EIGHT) - 1
    assert max(stroked) <= 25, "each repaint strokes the segments near the new point, not the whole stroke"
    stroked.clear()
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       canvas.to_widget(*FIGURE_EIGHT[-1]).toPoint())
    canvas.grab()
    assert sum(stroked) <= 25, "the sheet drawn on becomes the finished one: the stroke is not stroked again"


def test_a_stroke_drawn_around_its_new_points_looks_as_stroked_whole(qtbot):
    canvas = _mid_stroke_canvas(qtbot, FIGURE_EIGHT)  # it crosses itself: both places are stroked again there
    incremental = canvas.grab().toImage()
    canvas._finished_cache = canvas._drawing_cache = None
    at_once = canvas.grab().toImage()
    # where the stroke crosses itself, the two parts' soft rims are laid one over the other: a few pixels darker
    difference = np.abs(_grey(incremental) - _grey(at_once))
    assert (_grey(at_once) < 128).sum() > 20_000 and difference.max() <= 32 and (difference > 2).sum() <= 20
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       canvas.to_widget(*FIGURE_EIGHT[-1]).toPoint())
    finished = canvas.grab().toImage()
    canvas._finished_cache = canvas._drawing_cache = None
    difference = np.abs(_grey(finished) - _grey(canvas.grab().toImage()))
    assert difference.max() <= 32 and (difference > 2).sum() <= 20


def _slow_mouse(canvas, points) -> list[tuple[float, float]]:
    """The screen pixels a mouse moved slowly along `points` (canvas pixels) passes, one by one, in canvas pixels."""
    from mnist_pad.bench import mouse_pixels

    screen = np.asarray([canvas.to_widget(*point).toTuple() for point in points])
    return [canvas.to_canvas(QPointF(*pixel)) for pixel in mouse_pixels(screen)]


def test_a_slow_mouse_gives_a_stroke_of_few_points_within_a_screen_pixel_of_its_path(qtbot):
    """A mouse moved slowly over a large canvas gives a point every screen pixel, a third of a canvas
    pixel: 1,800 points for a digit, each a round join to render (22 ms for a prediction at a 40 px brush)
    and a staircase of one-pixel steps for Qt to paint (two such strokes: 30-180 ms on an 800 px canvas).
    The stroke keeps the points where it turns, within a screen pixel of every one given."""
    from mnist_pad.preprocess import to_mnist
    from mnist_pad.raster import rasterize

    canvas = _mid_stroke_canvas(qtbot, FIGURE_EIGHT[:1])
    given = _slow_mouse(canvas, FIGURE_EIGHT)
    for point in given[1:]:
        QTest.mouseMove(canvas, canvas.to_widget(*point).toPoint())
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.to_widget(*given[-1]).toPoint())
    stroke = canvas.strokes()[0]
    assert len(given) > 1500 and len(stroke) < len(given) / 10, (len(given), len(stroke))
    assert stroke[0] == given[0] and stroke[-1] == given[-1] and set(stroke) <= set(given)
    screen_pixel = CANVAS_SIZE / canvas.paper_rect().height()
    assert stray(given, stroke) <= screen_pixel + 1e-9
    # what the model sees: within 2 grey levels of the drawing as given (moving the drawing by a third of
    # a canvas pixel moves it 0.6-0.8), and the same answer
    recognizer = Recognizer.load()
    for width in (4, 16, 40):
        exact, kept = (to_mnist(rasterize([points], width)).image.astype(float) for points in (given, stroke))
        assert np.abs(exact - kept).mean() < 2.0
        as_given, as_kept = recognizer.predict_strokes([given], width), recognizer.predict_strokes([stroke], width)
        assert np.argmax(as_given) == np.argmax(as_kept) and np.abs(as_given - as_kept).max() < 0.05


def test_a_new_point_repaints_around_its_segment_only(qtbot, monkeypatch):
    """A move that adds a point repaints around the new segment; one that moves the end on, around the last
    segment as it was and as it is."""
    from mnist_pad.ui import canvas as canvas_module

    canvas = _mid_stroke_canvas(qtbot, [(40, 40)])
    asked = []
    monkeypatch.setattr(canvas_module, "update_paced", lambda widget, rect=None: asked.append(rect))
    for point in [(140, 40), (140, 45), (140, 46), (140, 50)]:  # a turn, then a short straight run down
        QTest.mouseMove(canvas, canvas.to_widget(*point).toPoint())
    start, turn, end = (canvas.to_widget(*point).toPoint() for point in [(40, 40), (140, 40), (140, 50)])
    assert len(canvas.strokes()[0]) == 3, "the run down moved the end on"
    assert not asked[1].contains(start), "the segment before the new one is left as it is"
    assert asked[3].contains(turn) and asked[3].contains(end), "the segment whose end moved on, whole"


def test_a_stroke_whose_end_moves_on_is_painted_as_stroked_whole(qtbot):
    """Mid-stroke, the stroke's end point moves on along a straight run: the ink of the segment as it was
    is painted over again from the finished sheet, none of it left behind."""
    zigzag = [(40, 40), (240, 60), (60, 250), (250, 240)]
    canvas = _mid_stroke_canvas(qtbot, zigzag[:1])
    given = _slow_mouse(canvas, zigzag)
    for point in given[1:]:
        QTest.mouseMove(canvas, canvas.to_widget(*point).toPoint())
        canvas.grab()
    incremental = canvas.grab().toImage()
    canvas._finished_cache = canvas._drawing_cache = None
    at_once = canvas.grab().toImage()
    # ink left behind would differ by ~255 along a band; where the at-once painting's pieces of 256 points
    # meet, their soft rims are laid twice (up to ~64 darker on a few pixels)
    difference = np.abs(_grey(incremental) - _grey(at_once))
    assert (_grey(at_once) < 128).sum() > 20_000 and difference.max() < 100 and (difference > 2).sum() <= 40


def test_the_brush_ring_is_made_when_the_mouse_comes_onto_the_canvas(qtbot):
    """Dragging the brush slider made a new cursor at each step (~1 ms each on an 800 px canvas under X)
    for a canvas the mouse was not on; the ring now follows the brush when the mouse comes in."""
    from PySide6.QtGui import QEnterEvent

    from mnist_pad.ui.canvas import Canvas

    canvas = Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(560, 560)
    ring = canvas.cursor().pixmap().width()
    for width in range(17, 45):  # the slider dragged from 16 to 44 px, the mouse on it
        canvas.set_brush_width(width)
    assert canvas.cursor().pixmap().width() == ring
    QApplication.sendEvent(canvas, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))
    diameter = round(44 * canvas.paper_rect().height() / CANVAS_SIZE)
    assert canvas.cursor().pixmap().width() == round((diameter + 4) * canvas.devicePixelRatioF()) > ring


def test_the_paper_lies_on_whole_pixels_at_any_window_size(qtbot):
    """A sheet of strokes drawn at a fractional position was resampled in every repaint (slower, and
    softer); the paper now starts and ends on whole pixels, on both canvases."""
    from mnist_pad.ui.canvas import Canvas
    from mnist_pad.ui.number_canvas import NumberCanvas

    for canvas, sizes in ((Canvas(), [(601, 473), (640, 481), (333, 900)]), (NumberCanvas(), [(1001, 401), (950, 377)])):
        qtbot.addWidget(canvas)
        for width, height in sizes:
            canvas.resize(width, height)
            paper = canvas.paper_rect()
            edges = (paper.left(), paper.top(), paper.width(), paper.height())
            assert all(float(edge).is_integer() for edge in edges), (width, height, edges)
            assert paper.width() == canvas.aspect * paper.height() and paper.height() >= min(width / canvas.aspect, height) - 64
            assert 0 <= paper.left() and paper.right() <= width and 0 <= paper.top() and paper.bottom() <= height


def test_the_map_is_scaled_to_the_screen_once_per_map_as_qt_would_scale_it(qtbot, monkeypatch):
    """Qt scaled the 280 px map over the canvas in every repaint (~1.8 ms on an 800 px canvas); it is now
    scaled once per map and size, and looks the same."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter

    from mnist_pad.ui import canvas as canvas_module
    from mnist_pad.ui.why_views import heat_image

    canvas = canvas_module.Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(700, 700)
    canvas.hint = ""  # blank paper under the map
    y, x = np.mgrid[0:280, 0:280]
    heat = np.exp(-((x - 100) ** 2 + (y - 120) ** 2) / 900.0) - 0.6 * np.exp(-((x - 200) ** 2 + (y - 180) ** 2) / 1600.0)
    overlay = heat_image(heat)
    scaled = []
    original = canvas_module.resized_argb
    monkeypatch.setattr(canvas_module, "resized_argb", lambda *args: (scaled.append(args[1:3]), original(*args))[1])
    canvas.set_overlay(overlay)
    shown = canvas.grab().toImage()
    canvas.grab()
    paper = canvas.paper_rect().toRect()
    assert scaled == [(paper.width(), paper.height())]
    expected = QImage(paper.size(), QImage.Format.Format_RGB32)
    expected.fill(canvas_module.PAPER)
    painter = QPainter(expected)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRectF(0, 0, paper.width(), paper.height()), overlay)
    painter.end()
    difference = np.abs(_rgb(shown.copy(paper)) - _rgb(expected))
    assert _rgb(expected).std() > 15 and difference.mean() < 0.5 and difference.max() <= 4


def test_a_new_map_repaints_the_paper_and_a_repaint_inside_it_leaves_the_margin(qtbot, monkeypatch):
    """A new map (12 a second with Show why on) repainted the whole canvas, margin included (~1.2 ms to fill
    on a large window's canvas); it lies on the paper, which is all it repaints now. A repaint inside the
    paper leaves the margin as it was."""
    from PySide6.QtGui import QColor, QRegion

    from mnist_pad.ui import canvas as canvas_module
    from mnist_pad.ui.why_views import heat_image

    canvas = canvas_module.Canvas()
    qtbot.addWidget(canvas)
    canvas.resize(1100, 800)  # wider than tall: a margin left and right of the paper
    canvas.drawing.begin_stroke(100, 100)
    canvas.drawing.add_point(180, 200)
    canvas.drawing.end_stroke()
    asked = []
    monkeypatch.setattr(canvas_module, "update_paced", lambda widget, rect=None: asked.append(rect))
    canvas.set_overlay(heat_image(np.ones((280, 280), np.float32)))
    paper = canvas.paper_rect().toAlignedRect()
    assert asked == [paper] and paper.left() > 100
    whole = canvas.grab().toImage()
    # a repaint of a rectangle inside the paper, over an image whose margin is marked: the mark stays
    marked = whole.copy()
    marked.fill(QColor("#ff00ff"))
    inside = paper.adjusted(200, 200, -200, -200)
    canvas.render(marked, inside.topLeft(), QRegion(inside))
    assert marked.pixelColor(10, 10) == QColor("#ff00ff") and marked.pixelColor(inside.center()) != QColor("#ff00ff")
    assert _rgb(marked.copy(inside)).tolist() == _rgb(whole.copy(inside)).tolist()


def test_a_change_of_the_drawing_repaints_the_paper_and_the_number_canvas_all_of_itself(qtbot):
    """A stroke's end, Clear, a brush change or a highlighted stroke repainted the margin around the paper
    too, in the frames that are the heaviest already; the number canvas's boxes and readings reach into its
    bands, so it is repainted whole."""
    from mnist_pad.ui.canvas import Canvas
    from mnist_pad.ui.number_canvas import NumberCanvas

    for canvas, expected in ((Canvas(), "paper"), (NumberCanvas(), "whole")):
        qtbot.addWidget(canvas)
        canvas.resize(1100, 800)
        asked = []
        canvas.update = lambda *area: asked.append(area[0] if area else canvas.rect())
        paper = canvas.paper_rect().toAlignedRect()
        whole = paper if expected == "paper" else canvas.rect()
        assert paper != canvas.rect()
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(100, 100).toPoint())
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=canvas.to_widget(200, 150).toPoint())
        canvas.set_brush_width(30)
        canvas.set_highlighted_stroke(0)
        canvas.clear()
        assert asked and all(whole.contains(area) for area in asked), expected
        assert whole in asked, expected


def _rgb(image) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.array(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).astype(int)


def _grey(image) -> np.ndarray:
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return np.array(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())[:, :image.width()].astype(int)


def test_a_scribbled_blob_reads_as_not_a_digit_in_the_app(qtbot, window):
    from mnist_pad.pendigits import PenDigit
    from training import nondigits

    category, strokes = nondigits.generate(6, nondigits.EVAL_SEED, [PenDigit(7, 0, (np.array(SEVEN, float),))])[5]
    assert category == "blob"
    drag(window, [tuple(p) for p in strokes[0]])
    settle(qtbot, window)
    assert window.prediction.digit.text() == "?"
    assert window.prediction.confidence.text() == "doesn't look like a digit"


def test_the_help_dialogs_are_imported_when_first_opened_not_at_start_up(tmp_path):
    """Their widget classes and texts cost the window ~40 ms on its way to the screen (the median of five
    launches on the issues' 2-core machine), for dialogs most starts never open."""
    import os
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    script = textwrap.dedent("""
        import sys
        from PySide6.QtGui import QAction
        from PySide6.QtWidgets import QApplication, QDialog
        from mnist_pad.ui import MainWindow
        app = QApplication(sys.argv[:1])
        window = MainWindow(model="robust")
        window.show()
        app.processEvents()
        print("started", "mnist_pad.ui.info_dialogs" in sys.modules)
        window.findChild(QAction, "actionShortcuts").trigger()
        print("opened", "mnist_pad.ui.info_dialogs" in sys.modules, window.findChild(QDialog, "shortcutsDialog") is not None)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.stdout.split() == ["started", "False", "opened", "True", "True"], result.stderr[-2000:]
