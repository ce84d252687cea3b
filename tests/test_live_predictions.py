"""LivePredictions without a window: a stand-in for the inference worker records what is asked and
answers when the test says so. And the worker's Server serving live requests between the steps of a sweep or an explanation."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QObject, Signal

from mnist_pad.ui.live_predictions import LivePredictions
from mnist_pad.ui.serving import Mailbox, Server

SEVEN = ((60.0, 60.0), (220.0, 60.0), (130.0, 230.0))
WIDTHS = np.array([4.0, 8.0])
IMAGE = np.zeros((28, 28), np.uint8)


class FakeInference(QObject):
    """Records requests; the test answers them through the signals."""

    predicted = Signal(int, object, object)
    swept = Signal(int, object, object)
    request_failed = Signal(str, str)

    def __init__(self):
        super().__init__()
        self.asked: list[tuple] = []

    def predict(self, seq, strokes, brush_width):
        self.asked.append(("predict", seq, strokes, brush_width))

    def predict_picture(self, seq, gray):
        self.asked.append(("picture", seq))

    def sweep(self, seq, strokes, widths):
        self.asked.append(("sweep", seq))

    def answer(self, seq: int, digit: int = 7) -> None:
        self.predicted.emit(seq, IMAGE, np.eye(10, dtype=np.float32)[digit])


@pytest.fixture
def live(qapp):
    drawing = {"strokes": (SEVEN,), "width": 16.0}
    inference = FakeInference()
    live = LivePredictions(inference, lambda: (drawing["strokes"], drawing["width"]), WIDTHS)
    live.model_ready = True
    live.shown = []
    live.predicted.connect(lambda seq, image, probabilities: live.shown.append(seq))
    live.state = drawing
    return live


def test_a_finished_stroke_asks_for_a_prediction_and_a_sweep(live):
    live.drawing_changed(True)
    assert [kind for kind, *_ in live.inference.asked] == ["predict", "sweep"]
    assert live.inference.asked[0][2:] == ((SEVEN,), 16.0)
    assert not live.is_up_to_date()
    live.inference.answer(1)
    assert live.shown == [1] and live.is_up_to_date()


def test_one_request_in_flight_and_the_last_change_is_asked_for_when_it_answers(live, qtbot):
    live.min_interval_ms = 0
    live.drawing_changed(False)
    for _ in range(20):  # the pen moves while the first answer is being computed
        live.drawing_changed(False)
    assert [seq for _, seq, *_ in live.inference.asked] == [1]
    live.inference.answer(1)
    assert [seq for _, seq, *_ in live.inference.asked] == [1, 2]  # the newest drawing, once
    live.inference.answer(2)
    assert live.shown == [1, 2] and live.is_up_to_date()


def test_throttle_waits_the_interval_then_sends_the_newest(live, qtbot):
    live.min_interval_ms = 50
    live.request_now()
    live.inference.answer(1)
    live.state["width"] = 30.0
    live.request_soon()
    assert len(live.inference.asked) == 1 and not live.is_up_to_date()  # too soon after the last one
    qtbot.waitUntil(lambda: len(live.inference.asked) == 2, timeout=1000)
    assert live.inference.asked[1][3] == 30.0


def test_answers_older_than_the_one_shown_or_than_a_clear_are_dropped(live):
    live.request_now()
    live.request_now()
    live.inference.answer(2)
    live.inference.answer(1)  # late: describes an older drawing
    assert live.shown == [2]
    live.request_now()        # 3 in flight, then the drawing is cleared
    emptied = []
    live.emptied.connect(lambda: emptied.append(True))
    live.state["strokes"] = ()
    live.drawing_changed(True)
    live.inference.answer(3)
    assert live.shown == [2] and emptied == [True] and live.is_up_to_date()


def test_sweeps_follow_the_same_rules_and_not_for_a_picture(live):
    swept = []
    live.swept.connect(lambda seq, widths, probabilities: swept.append(seq))
    live.request_now(sweep=True)
    live.request_now(sweep=True)
    live.inference.swept.emit(2, WIDTHS, np.zeros((2, 10)))
    live.inference.swept.emit(1, WIDTHS, np.zeros((2, 10)))
    assert swept == [2]
    live.show_picture(np.full((40, 40), 255, np.uint8))
    assert live.inference.asked[-1] == ("picture", 3)
    live.inference.swept.emit(3, WIDTHS, np.zeros((2, 10)))
    assert swept == [2]


def test_nothing_is_asked_without_a_model_or_while_paused(live):
    live.model_ready = False
    live.drawing_changed(True)
    live.model_ready, live.paused = True, True
    live.drawing_changed(True)
    assert live.inference.asked == []


def test_answers_arriving_after_another_mode_took_the_results_are_not_shown(live):
    """Number mode pauses the digit canvas's live predictions: a prediction or sweep still in flight then
    wrote over the results panel and chart that Number mode now shows."""
    swept = []
    live.swept.connect(lambda seq, widths, probabilities: swept.append(seq))
    live.drawing_changed(True)
    live.paused = True
    live.inference.answer(1)
    live.inference.swept.emit(1, WIDTHS, np.zeros((2, 10)))
    assert live.shown == [] and swept == []
    live.paused = False
    live.request_now(sweep=True)
    live.inference.answer(2)
    live.inference.swept.emit(2, WIDTHS, np.zeros((2, 10)))
    assert live.shown == [2] and swept == [2]


def test_a_failed_request_frees_the_next_one(live):
    live.min_interval_ms = 0
    live.drawing_changed(False)
    live.inference.request_failed.emit("predict", "ValueError: broken")
    live.drawing_changed(False)
    assert [seq for _, seq, *_ in live.inference.asked] == [1, 2]


def test_another_part_s_failed_request_leaves_the_live_prediction_in_flight(live):
    """Number mode and the why views ask the same worker: their failures are not the live prediction's."""
    live.min_interval_ms = 0
    live.drawing_changed(False)
    for kind in ("number", "number_sweep", "explain"):
        live.inference.request_failed.emit(kind, "ValueError: broken")
    live.drawing_changed(False)
    assert [seq for _, seq, *_ in live.inference.asked] == [1], "one live prediction at a time"
    live.inference.answer(1)
    assert [seq for _, seq, *_ in live.inference.asked] == [1, 2]


class FailingRecognizer:
    """Sweeps work; a live prediction raises."""

    def prepare_sweep(self, strokes, widths, canvas_size):
        return [None] * len(widths)

    def predict_inputs(self, inputs):
        return np.zeros((len(inputs), 10), np.float32)

    def prepare_strokes(self, strokes, brush_width, canvas_size):
        raise ValueError("this drawing cannot be prepared")


def answers_to(log: list):
    """An emit for a Server: each answer appended to `log` as (name, arguments)."""
    return lambda name, *args: log.append((name, args))


def test_a_live_request_failing_inside_a_sweep_is_reported_and_the_sweep_ends():
    mailbox, answers = Mailbox(), []
    worker = Server(mailbox, 280, answers_to(answers))
    worker.recognizer = FailingRecognizer()
    mailbox.put("sweep", 1, (SEVEN,), np.arange(2.0, 20.0, 2.0))
    mailbox.put("predict", 2, (SEVEN,), 16.0)  # taken between the sweep's steps, and fails
    worker._serve(*mailbox.take(("sweep",)))
    failed = [args[0] for name, args in answers if name == "request_failed"]
    swept = [args[2].shape for name, args in answers if name == "swept"]
    assert failed == ["predict"] and swept == [(9, 10)]


class RecordingRecognizer:
    """A real Recognizer whose network calls are logged; a live request is posted by `arrive_at`'s
    network call of an explanation, as if the pen moved right then."""

    def __init__(self, recognizer, mailbox: Mailbox, log: list, arrive_at: int):
        self._recognizer, self._mailbox, self._log, self._arrive_at = recognizer, mailbox, log, arrive_at

    def __getattr__(self, name):
        return getattr(self._recognizer, name)

    def predict_mnist(self, images):
        self._log.append(("explain", len(images)))
        if sum(kind == "explain" for kind, _ in self._log) == self._arrive_at:
            self._mailbox.put("predict", 2, (SEVEN,), 16.0)
        return self._recognizer.predict_mnist(images)

    def read_inputs(self, inputs):
        self._log.append(("live", len(inputs)))
        return self._recognizer.read_inputs(inputs)


@pytest.mark.parametrize("arrive_at", [1, "last"])
def test_a_live_prediction_waits_for_one_small_step_of_an_explanation(tiny_model_path, arrive_at):
    """An explanation is ~100 images through the network, then each stroke's effect and the likeness:
    a prediction asked for meanwhile is served after the step under way (at most EXPLAIN_CHUNK images),
    and one asked for during the last network step, before the likeness is measured."""
    from mnist_pad.recognizer import Recognizer
    from mnist_pad.ui import serving

    strokes = (SEVEN, ((90.0, 150.0), (190.0, 150.0)))
    recognizer = Recognizer.load(tiny_model_path)
    probe = []
    counting = RecordingRecognizer(recognizer, Mailbox(), probe, arrive_at=-1)
    worker = Server(Mailbox(), 280, answers_to([]))
    worker.recognizer = counting
    worker._explain(0, strokes, 16.0)
    steps = sum(kind == "explain" for kind, _ in probe)

    mailbox, log, predicted, explained = Mailbox(), [], [], []
    answered = {"predicted": predicted, "explained": explained}
    worker = Server(mailbox, 280, lambda name, seq, *args: answered[name].append((seq, len(log))))
    worker.recognizer = RecordingRecognizer(recognizer, mailbox, log, steps if arrive_at == "last" else arrive_at)
    mailbox.put("explain", 1, strokes, 16.0)
    worker.drain()

    assert explained and predicted == [(2, predicted[0][1])]
    assert max(size for kind, size in log if kind == "explain") <= serving.EXPLAIN_CHUNK <= 4
    asked = [i for i, (kind, _) in enumerate(log) if kind == "explain"][(steps if arrive_at == "last" else arrive_at) - 1]
    assert log[asked + 1] == ("live", 1), "served right after the step under way"
    assert predicted[0][1] == asked + 2 and explained[0][1] == len(log)


class SweepCounter:
    """A real Recognizer whose prepare_sweep calls are logged."""

    def __init__(self, recognizer, calls: list):
        self._recognizer, self._calls = recognizer, calls

    def __getattr__(self, name):
        return getattr(self._recognizer, name)

    def prepare_sweep(self, strokes, widths, canvas_size):
        self._calls.append(len(widths))
        return self._recognizer.prepare_sweep(strokes, widths, canvas_size)


def test_a_sweep_makes_its_images_in_one_step_and_a_comparison_reuses_them(tiny_model_path):
    """The sweep's images come from the drawing's distance field, measured once for all widths: one call
    per drawing (one a width would measure it 25 times over), none for the comparison of the same drawing."""
    from mnist_pad.recognizer import Recognizer

    recognizer = Recognizer.load(tiny_model_path)
    calls, answers = [], []
    worker = Server(Mailbox(), 280, answers_to(answers))
    worker.recognizer = SweepCounter(recognizer, calls)
    worker.comparison = (str(tiny_model_path), SweepCounter(recognizer, calls))
    widths = np.arange(2.0, 51.0, 2.0)
    worker._sweep(1, (SEVEN,), widths)
    worker._compare(2, str(tiny_model_path), (SEVEN,), widths)
    swept = [args[-1] for name, args in answers if name == "swept"]
    compared = [args[-1] for name, args in answers if name == "compared"]
    assert calls == [len(widths)]
    np.testing.assert_allclose(swept[0], recognizer.sweep((SEVEN,), widths, 280), atol=1e-6)
    np.testing.assert_allclose(compared[0], swept[0], atol=1e-6)
