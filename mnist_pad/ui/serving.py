"""The inference worker's work, without Qt: run by a worker thread of the app (ui/worker.py's
InferenceWorker), or in a process of its own (MNIST_PAD_WORKER=process), where the UI thread never waits
for it, not even for Python's GIL.

`Server` owns the Recognizer and answers requests newest first: a `Mailbox` keeps only the newest
request of each kind (latest wins, never a backlog), each carries a sequence number so the UI can drop
results older than what it shows, and live predictions are served between the steps of long requests.
`main()` runs it as that process (started by ui/worker.py's WorkerProcess): pickled (kind, request) pairs on
standard input, pickled (signal name, arguments) answers on standard output.
Nothing here imports Qt, and the package's UI is not imported either (mnist_pad.ui loads it lazily).
"""
from __future__ import annotations

import os
import pickle
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable

import numpy as np

from ..drawing import Strokes
from .pixels import resized_pixels

# Handled in this order: a new model first, so the drawing is then predicted with it.
KINDS = ("load", "list_models", "picture", "predict", "number", "number_picture", "sweep", "number_sweep", "explain",
         "match", "compare")
LIVE = ("picture", "predict", "number", "number_picture")
# Who answers for a failed request (request_failed's kind): number mode for its own kinds, the window for
# every other; the live prediction asks again after a failure of its own kinds or the worker's end.
NUMBER_KINDS = ("number", "number_picture", "number_sweep")
LIVE_PREDICTION_KINDS = ("predict", "picture")
WORKER_STOPPED = "worker"  # the kind ui/worker.py reports when the worker process stopped for good
# Widths of network per step of a sweep (its images come first, all in one step); live predictions are
# served between steps. One width a step: with four, a live prediction waited behind up to four renders
# (GUI bench p95 13-19 ms; with one, 11-12 ms).
SWEEP_CHUNK = 1
# Occluded images per step of an attribution map, likewise: a live prediction waits for one step. On
# the issues' 2-core AMD EPYC a step of 16 (~5 ms of network) held the live path's p95 at 20-26 ms with
# Show why on; with 4, 15-17 ms (with LIVE_INTERVAL_MS 4).
EXPLAIN_CHUNK = 4
# How much lower than the UI thread the worker runs (Linux nice levels). When both want a core, the UI
# thread gets it: on the loaded 2-core development machine this halved the longest UI stall (median of
# 9 GUI bench runs 35 -> 17 ms) and did not slow the predictions shown (p95 25 -> 23 ms).
WORKER_NICENESS = 10
# ONNX Runtime threads of the worker's models: one. The worker asks for one drawing, one width or four
# occluded images a step, which two threads barely speed up, and a second thread at the worker's low
# priority waits for a core beside a busy program: on the issues' 2-core EPYC with a core kept busy, Show
# why in 17 alternating GUI bench runs a side gave p95 ~10.9 ms and ~38 maps in 5 s on two threads
# against ~9.7 ms and ~42 maps on one (medians); idle, the two were level. Scripts and the CLI, at normal
# priority and on larger batches, take engine.default_threads().
WORKER_THREADS = 1
# The worker process's GIL switch interval (see main).
REQUEST_SWITCH_INTERVAL_S = 0.0002


@dataclass(frozen=True)
class ModelInfo:
    """What the UI shows about the loaded model (the Recognizer itself stays in the worker)."""

    spec: str    # what was asked for: a shipped model's name or a file path
    name: str
    source: str
    card: dict[str, Any] = field(default_factory=dict)
    device: str = "cpu (ONNX Runtime)"


@dataclass(frozen=True)
class Explanation:
    """Why the network reads a drawing as it does: see mnist_pad.attribution and mnist_pad.morphometry."""

    attribution: Any    # attribution.Attribution
    stroke_effects: list  # list[attribution.StrokeEffect], one per stroke
    morphometry: Any    # morphometry.Morphometry, or None when there is no ink
    # The map laid over the canvas, premultiplied ARGB32 pixels (uint32, canvas_size square): warped and coloured here,
    # in the worker, so the UI thread only wraps it (~0.9 ms of its time per map shown otherwise).
    canvas_overlay: Any
    # The same at the size asked for, the canvas on screen (bytes (H, W, 4)), None when not asked: resized here
    # too, where it cost the UI thread 1.5 ms per map shown on an 800 px canvas.
    screen_overlay: Any = None


@dataclass(frozen=True)
class SavedModelEntry:
    """A user model for the Model menu."""

    path: str
    label: str


class Mailbox:
    """One slot per request kind holding only the newest request; thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._slots: dict[str, tuple] = {}

    def put(self, kind: str, *request) -> bool:
        """Store a request, replacing an older one of its kind; True when the mailbox was empty."""
        with self._lock:
            was_empty = not self._slots
            self._slots[kind] = request
            return was_empty

    def take(self, kinds: tuple[str, ...] = KINDS) -> tuple[str, tuple] | None:
        """The most urgent pending request of these kinds, removed; None when there is none."""
        with self._lock:
            for kind in kinds:
                if kind in self._slots:
                    return kind, self._slots.pop(kind)
            return None

    def has(self, kind: str) -> bool:
        with self._lock:
            return kind in self._slots

    def clear(self) -> None:
        with self._lock:
            self._slots.clear()


class Server:
    """Loads models and answers requests, newest first; each answer goes to `emit(name, *args)`, named
    as ui.worker.InferenceWorker's signals (in the worker process, or the worker thread)."""

    def __init__(self, mailbox: Mailbox, canvas_size: int, emit: Callable[..., None]):
        self.mailbox = mailbox
        self.emit = emit
        self.canvas_size = canvas_size
        self.recognizer = None
        self.comparison = None  # (spec, Recognizer) of the comparison model, loaded on first use
        # The last drawing swept and its images by width: the comparison model's sweep of the same
        # drawing (asked for right after this model's) renders nothing again.
        self._swept_strokes: Strokes | None = None
        self._sweep_images: dict[float, Any] = {}

    def drain(self) -> None:
        """Handle pending requests until the mailbox is empty."""
        while (item := self.mailbox.take()) is not None:
            self._serve(*item)

    def _serve(self, kind: str, request: tuple) -> None:
        try:
            getattr(self, f"_{kind}")(*request)
        except Exception as error:  # a bad request must never end the worker
            self.emit("request_failed", kind, f"{type(error).__name__}: {error}")

    def _serve_live(self) -> None:
        """Between steps of a long request: answer the live requests waiting, each on its own (a
        failed one is reported and the long request goes on)."""
        while (live := self.mailbox.take(LIVE)) is not None:
            self._serve(*live)

    def _load(self, spec: str, fallback: str | None) -> None:
        from ..engine import ConversionNeeded, ModelError
        from ..recognizer import Recognizer

        for candidate in (spec, fallback):
            if candidate is None:
                continue
            try:
                recognizer = Recognizer.load(candidate, threads=WORKER_THREADS)
            except ConversionNeeded as need:
                later = fallback if candidate == spec else None
                self.emit("conversion_needed", candidate, later, str(need.checkpoint), str(need.target))
                return
            except (ModelError, ValueError) as error:
                self.emit("model_failed", candidate, str(error))
                continue
            # One prediction and one sweep step first: ONNX Runtime sizes its buffers on the first run.
            stroke = [[(60.0, 60.0), (220.0, 220.0)]]
            recognizer.predict_strokes(stroke, 12.0, self.canvas_size)
            recognizer.sweep(stroke, [4.0] * SWEEP_CHUNK, self.canvas_size)
            self.recognizer = recognizer
            self.emit("model_loaded", ModelInfo(candidate, recognizer.name, recognizer.source, dict(recognizer.card)))
            return

    def _list_models(self) -> None:
        from .. import model_store

        self.emit("models_listed", [SavedModelEntry(str(m.path), m.label) for m in model_store.saved_models()])

    def _predict(self, seq: int, strokes: Strokes, brush_width: float) -> None:
        if self.recognizer is None:
            return
        prepared = self.recognizer.prepare_strokes(strokes, brush_width, self.canvas_size)
        self.emit("predicted", seq, prepared.image, self.recognizer.read_inputs([prepared])[0])

    def _number(self, seq: int, strokes: Strokes, brush_width: float, canvas_size: tuple[int, int], boundaries) -> None:
        if self.recognizer is not None:
            self.emit("number_read", seq, self.recognizer.read_number(strokes, brush_width, canvas_size, boundaries))

    def _number_picture(self, seq: int, gray: np.ndarray) -> None:
        if self.recognizer is not None:
            self.emit("number_read", seq, self.recognizer.read_picture_number(gray))

    def _picture(self, seq: int, gray: np.ndarray) -> None:
        if self.recognizer is None:
            return
        self.emit("predicted", seq, *self.recognizer.read_picture(gray))  # a Reading, or a NumberReading

    def _sweep(self, seq: int, strokes: Strokes, widths: np.ndarray, kind: str = "sweep", answer: str = "swept") -> None:
        """A sweep in small steps: live predictions never wait for a whole sweep, a newer sweep replaces it."""
        if self.recognizer is None:
            return
        probabilities = self._sweep_in_steps(self.recognizer, strokes, widths, kind)
        if probabilities is not None:
            self.emit(answer, seq, widths, probabilities)

    def _number_sweep(self, seq: int, strokes: Strokes, widths: np.ndarray) -> None:
        """Number mode's sweep of its selected digit: a kind of its own, so it never replaces the window's."""
        self._sweep(seq, strokes, widths, "number_sweep", "number_swept")

    def _sweep_in_steps(self, model, strokes: Strokes, widths: np.ndarray, kind: str) -> np.ndarray | None:
        """`model`'s probabilities at each width: the images in one step (made together, see
        Recognizer.prepare_sweep), then SWEEP_CHUNK widths of network a step, live predictions served
        between steps; None when stale (a newer request of `kind`, or a model, is waiting)."""
        def stale_after_serving_live() -> bool:
            self._serve_live()
            return self.mailbox.has(kind) or self.mailbox.has("load")

        if stale_after_serving_live():
            return None
        images = self._sweep_inputs(model, strokes, widths)
        parts = []
        for start in range(0, len(widths), SWEEP_CHUNK):
            if stale_after_serving_live():
                return None
            parts.append(model.predict_inputs(images[start:start + SWEEP_CHUNK]))
        return np.concatenate(parts)

    def _sweep_inputs(self, model, strokes: Strokes, widths: np.ndarray) -> list:
        """The images `model` sees for the strokes at these widths, prepared once per drawing and width
        (preparing does not depend on the model)."""
        if not _same_drawing(strokes, self._swept_strokes):
            self._swept_strokes, self._sweep_images = strokes, {}
        missing = [float(w) for w in widths if float(w) not in self._sweep_images]
        if missing:
            self._sweep_images.update(zip(missing, model.prepare_sweep(strokes, missing, self.canvas_size)))
        return [self._sweep_images[float(w)] for w in widths]

    # -- why: attribution, Match MNIST, a comparison model's sweep ---------------------------
    def _explain(self, seq: int, strokes: Strokes, brush_width: float, picture: tuple | None = None,
                 screen: tuple[int, int] | None = None) -> None:
        if self.recognizer is None:
            return
        if picture is not None:
            self._explain_picture(seq, *picture, screen)
            return
        from .. import attribution, morphometry
        from .pixels import heat_pixels

        # Live predictions are served between the steps (see _predict_serving_live) and the parts.
        prepared = self.recognizer.prepare_strokes(strokes, brush_width, self.canvas_size)
        predict = self._predict_serving_live
        why = attribution.occlusion(prepared, predict)
        effects = attribution.stroke_effects(strokes, brush_width, self.canvas_size, predict)
        self._serve_live()
        likeness = morphometry.measure(prepared.image)
        self._serve_live()
        overlay = heat_pixels(why.on_canvas(self.canvas_size))
        self.emit("explained", seq, Explanation(why, effects, likeness, overlay, _on_screen(overlay, screen)))

    def _explain_picture(self, seq: int, gray: np.ndarray, frame: tuple[float, float, float, int, int],
                         screen: tuple[int, int] | None = None) -> None:
        """An opened picture's map and MNIST likeness (a picture has no strokes): the map is laid over the
        picture where the canvas shows it, `frame` = (scale, left, top, paper width, paper height)."""
        from .. import attribution, morphometry
        from ..picture import PictureError, ink_from_picture
        from ..preprocess import to_mnist
        from .pixels import heat_pixels

        try:
            ink = ink_from_picture(gray)
        except PictureError:  # several digits: the views explain one
            self.emit("explained", seq, None)
            return
        prepared = to_mnist(ink)
        why = attribution.occlusion(prepared, self._predict_serving_live)
        self._serve_live()
        likeness = morphometry.measure(prepared.image) if not prepared.empty else None
        scale, left, top, paper_width, paper_height = frame
        to_ink = picture_to_ink(gray.shape, ink.shape, scale, left, top)
        to_input = None if prepared.to_input is None else prepared.to_input @ np.vstack([to_ink, [0, 0, 1]])
        overlay = heat_pixels(why.laid_over(to_input, (paper_height, paper_width)))
        self.emit("explained", seq, Explanation(why, [], likeness, overlay, _on_screen(overlay, screen)))

    def _predict_serving_live(self, images: np.ndarray) -> np.ndarray:
        """predict_mnist in steps of EXPLAIN_CHUNK images, live predictions served between steps:
        an occlusion map is ~100 images, which must not hold back the prediction under the pen."""
        parts = []
        for start in range(0, len(images), EXPLAIN_CHUNK):
            self._serve_live()
            parts.append(self.recognizer.predict_mnist(images[start:start + EXPLAIN_CHUNK]))
        return np.concatenate(parts)

    def _match(self, seq: int, strokes: Strokes, widths: np.ndarray) -> None:
        from ..morphometry import match_mnist_width

        self.emit("matched", seq, match_mnist_width(strokes, self.canvas_size, widths))

    def _compare(self, seq: int, spec: str, strokes: Strokes, widths: np.ndarray) -> None:
        """The comparison model's sweep, in steps like _sweep; the model loads once per choice."""
        from ..engine import ModelError
        from ..recognizer import Recognizer

        if self.comparison is None or self.comparison[0] != spec:
            try:
                self.comparison = (spec, Recognizer.load(spec, threads=WORKER_THREADS))
            except (ModelError, ValueError) as error:  # ConversionNeeded too: it converts once chosen as the model
                self.comparison = None
                self.emit("comparison_failed", spec, str(error))
                return
        model = self.comparison[1]
        probabilities = self._sweep_in_steps(model, strokes, widths, "compare")
        if probabilities is not None:
            self.emit("compared", seq, spec, model.name, widths, probabilities)


def _on_screen(overlay: np.ndarray, screen: tuple[int, int] | None) -> np.ndarray | None:
    """The map's pixels resized to `screen` (width, height), or None when no size was asked for."""
    return None if screen is None else resized_pixels(overlay, *screen)


def picture_to_ink(picture_shape: tuple[int, ...], ink_shape: tuple[int, ...], scale: float, left: float,
                   top: float) -> np.ndarray:
    """The affine map (2x3) canvas pixel -> pixel of the picture's ink image, for a picture whose pixel
    grid lies on the canvas at (left, top), each pixel `scale` canvas pixels (its ink image may be
    resized: mnist_pad.picture works on large photos shrunk). Pixel indices name pixel centres."""
    ratio_x, ratio_y = ink_shape[1] / picture_shape[1], ink_shape[0] / picture_shape[0]
    # canvas index X -> picture index (X + 0.5 - left) / scale - 0.5 -> ink index (p + 0.5) * ratio - 0.5
    return np.array([[ratio_x / scale, 0.0, (0.5 - left) * ratio_x / scale - 0.5],
                     [0.0, ratio_y / scale, (0.5 - top) * ratio_y / scale - 0.5]])


def _same_drawing(strokes: Strokes, other: Strokes | None) -> bool:
    """Whether two drawings have the same points (the UI sends immutable snapshots, often the same one)."""
    try:
        return strokes is other or bool(strokes == other)
    except ValueError:  # strokes of numpy arrays: compared point by point, which is not worth it here
        return False


def lower_priority(niceness: int = WORKER_NICENESS, threads: list[int] | None = None) -> None:
    """Lower the CPU priority of these threads (native ids; the calling one by default) by `niceness`: Linux
    nice levels are per thread, and threads started later inherit their starter's. Elsewhere, or where
    refused, the priority stays."""
    if not sys.platform.startswith("linux"):
        return
    for thread in threads or [threading.get_native_id()]:
        try:
            os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + niceness))
        except OSError:
            pass


def _all_threads() -> list[int]:
    """The native ids of this process's threads (Linux), its libraries' included."""
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        return [threading.get_native_id()]


def serve(requests: BinaryIO, answers: BinaryIO, canvas_size: int) -> None:
    """Answer the requests read from `requests` until it ends (the UI closed it, or its process ended):
    a reader thread files each in the mailbox as it comes, this thread serves them."""
    mailbox, wake, ended = Mailbox(), threading.Event(), threading.Event()

    def emit(name: str, *args) -> None:
        if ended.is_set():
            return
        try:
            pickle.dump((name, args), answers, protocol=pickle.HIGHEST_PROTOCOL)
            answers.flush()
        except OSError:  # the UI's process is gone: stop
            end()

    def end() -> None:
        ended.set()
        mailbox.clear()
        wake.set()

    def read() -> None:
        reader.append(threading.get_native_id())
        try:
            while True:
                kind, request = pickle.load(requests)
                mailbox.put(kind, *request)
                wake.set()
        except (EOFError, OSError, pickle.UnpicklingError):
            end()

    server = Server(mailbox, canvas_size, emit)
    reader: list[int] = []  # the reader thread's native id
    threading.Thread(target=read, name="requests", daemon=True).start()
    started = False
    while not ended.is_set():
        wake.wait()
        wake.clear()
        server.drain()
        if not started and server.recognizer is not None:
            # The first model is in: from now on the UI thread gets a core first. Not before (nor after a
            # model that failed to load, while the next is chosen), so the app starts as fast with another
            # program busy (1.7 s to the model instead of 1.3 s). The reader keeps its priority: it only
            # files requests, and lowered, beside a busy program, each waited for a core (Show why in a
            # large window: 24 maps in 5 s, input -> probabilities p95 19 ms).
            lower_priority(threads=[thread for thread in _all_threads() if thread not in reader])
            started = True


def main(argv: list[str] | None = None) -> int:
    """The worker process, its arguments: CANVAS_SIZE."""
    args = sys.argv[1:] if argv is None else argv
    canvas_size = int(args[0])
    # The answers keep standard output's pipe; anything printed goes to standard error, never into them.
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # The reader thread files a new request while the server runs Python: it waits for the GIL up to the
    # switch interval (5 ms by default), a wait every live request would otherwise add.
    sys.setswitchinterval(REQUEST_SWITCH_INTERVAL_S)
    serve(sys.stdin.buffer, answers, canvas_size)
    return 0
