"""The inference worker as the UI sees it: `Inference` posts requests and delivers the answers as Qt
signals in the UI thread; the UI thread never runs the model.

The work itself is ui/serving.py's `Server`. It runs in a worker thread of this process
(`InferenceWorker`), or, with MNIST_PAD_WORKER=process, in a process of its own (`WorkerProcess`): there
it no longer shares Python's GIL with the UI thread and a crash in it cannot take the window down, but
on the issues' 2-core machine it starts later, takes ~50 MB more and, with another program keeping a
core busy, answers later (three more threads between request and answer, each waiting to be woken;
see README, "The inference worker"). The model runs in ONNX Runtime; a checkpoint without its ONNX
form is converted in a separate process (see conversion.py), so this process never imports torch.
"""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..drawing import Strokes
from .conversion import Conversion
# ModelInfo, SavedModelEntry and WORKER_NICENESS are the UI's names for them too.
from .serving import (WORKER_NICENESS, WORKER_STOPPED, Mailbox, ModelInfo, SavedModelEntry, Server,  # noqa: F401
                      lower_priority)

# The answers, by name: Server emits them, InferenceWorker and Inference carry them as signals.
ANSWERS = ("predicted", "swept", "number_read", "number_swept", "model_loaded", "model_failed", "models_listed",
           "request_failed", "explained", "matched", "compared", "comparison_failed", "conversion_needed")


class InferenceWorker(QObject):
    """A Server in a worker thread of this process, its answers as signals (queued to the UI thread)."""

    predicted = Signal(int, object, object)   # seq, 28x28 uint8 image the model saw, its confidence.Reading
    swept = Signal(int, object, object)       # seq, widths (W,), probabilities (W, 10)
    number_read = Signal(int, object)         # seq, numbers.NumberReading
    number_swept = Signal(int, object, object)  # seq, widths, probabilities: number mode's sweep
    model_loaded = Signal(object)             # ModelInfo
    model_failed = Signal(str, str)           # what was asked for, the reason (names the file)
    models_listed = Signal(object)            # list[SavedModelEntry]
    request_failed = Signal(str, str)         # request kind, what went wrong
    explained = Signal(int, object)           # seq, Explanation
    matched = Signal(int, object)             # seq, the brush width matching MNIST's thickness (None: no ink)
    compared = Signal(int, str, str, object, object)  # seq, spec, model name, widths (W,), probabilities (W, 10)
    comparison_failed = Signal(str, str)      # spec, why it could not be loaded
    conversion_needed = Signal(str, object, str, str)  # spec, fallback, checkpoint, target (.json)

    def __init__(self, mailbox: Mailbox, canvas_size: int):
        super().__init__()
        self.server = Server(mailbox, canvas_size, lambda name, *args: getattr(self, name).emit(*args))

    @Slot()
    def yield_to_the_ui(self) -> None:
        """Run first in the worker thread: lower its own CPU priority below the UI thread's."""
        lower_priority()

    @Slot()
    def drain(self) -> None:
        self.server.drain()


class WorkerProcess:
    """The Server in a process of its own (ui/serving.py's `main`), fed through pipes.

    `post` files a request in a mailbox here (latest wins) and returns at once; a sender thread pickles
    the newest requests to the process, whose own mailbox keeps only the newest again. A reader thread
    hands each answer to `deliver(name, args)` (in that thread) and `ended(exit code)` once the process
    ends without being asked to.
    """

    # What the process runs (not `-m mnist_pad.ui.serving`: its classes would be pickled as __main__'s).
    START = "import sys\nfrom mnist_pad.ui.serving import main\nsys.exit(main())"

    def __init__(self, canvas_size: int, deliver, ended):
        """Start the process; OSError when it cannot be started at all."""
        self.mailbox = Mailbox()
        self._wake = threading.Event()
        self._stopping = False
        self.answered = False  # whether any answer came: a process that ends before one never started
        self._deliver, self._ended = deliver, ended
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen([sys.executable, "-c", self.START, str(canvas_size)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self._sender = threading.Thread(target=self._send, name="inference-requests", daemon=True)
        self._reader = threading.Thread(target=self._read, name="inference-answers", daemon=True)
        self._sender.start()
        self._reader.start()

    def post(self, kind: str, *request) -> None:
        self.mailbox.put(kind, *request)
        self._wake.set()

    def stop(self, timeout: float = 3.0) -> None:
        """Drop pending requests and end the process (it finishes the request in progress first)."""
        self._stopping = True
        self.mailbox.clear()
        self._wake.set()
        self._sender.join(timeout)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout)
        self.process.stdout.close()

    def _send(self) -> None:
        pipe = self.process.stdin
        try:
            while not self._stopping:
                self._wake.wait()
                self._wake.clear()
                while not self._stopping and (item := self.mailbox.take()) is not None:
                    pickle.dump(item, pipe, protocol=pickle.HIGHEST_PROTOCOL)
                    pipe.flush()
        except OSError:  # the process is gone: the reader reports it
            pass
        finally:
            try:
                pipe.close()  # end of requests: the process ends
            except OSError:
                pass

    def _read(self) -> None:
        pipe = self.process.stdout
        try:
            while True:
                name, args = pickle.load(pipe)
                self.answered = True
                self._deliver(name, args)
        except (EOFError, OSError, ValueError):  # the process ended, or its pipe was closed by stop()
            pass
        except Exception:  # an answer that cannot be read: end the process, the restart takes over
            self.process.kill()
        if not self._stopping:
            self._ended(self.process.wait())


class Inference(QObject):
    """The UI side: posts requests to the worker (its process, or a thread); its signals deliver the
    answers in the UI thread."""

    predicted = Signal(int, object, object)
    swept = Signal(int, object, object)
    number_read = Signal(int, object)
    number_swept = Signal(int, object, object)
    model_loaded = Signal(object)
    model_failed = Signal(str, str)
    models_listed = Signal(object)
    request_failed = Signal(str, str)
    explained = Signal(int, object)
    matched = Signal(int, object)
    compared = Signal(int, str, str, object, object)
    comparison_failed = Signal(str, str)
    conversion_needed = Signal(str, object, str, str)
    conversion_progress = Signal(str)  # a status line while a checkpoint is converted
    worker_restarted = Signal(str)     # a status line: the worker process ended unasked and was started again
    _wake = Signal()
    _arrived = Signal(str, object)  # an answer from the worker process (emitted in its reader thread)
    _process_ended = Signal(int)

    # The worker process may end unexpectedly (killed, out of memory, a crash in a native library):
    # it is started again and given the model back, up to this many times in a row.
    RESTARTS = 3

    def __init__(self, canvas_size: int, parent: QObject | None = None, in_process: bool | None = None):
        super().__init__(parent)
        if in_process is None:  # a frozen app (PyInstaller and the like) has no Python to start a process with
            in_process = os.environ.get("MNIST_PAD_WORKER", "thread") == "process" and not getattr(sys, "frozen", False)
        self.canvas_size = canvas_size
        self.worker: InferenceWorker | None = None  # the thread's Server, when the worker is a thread here
        self.process: WorkerProcess | None = None
        self._last_load: tuple[str, str | None] | None = None
        self._restarts = 0
        self._restart_note: str | None = None
        self.model_loaded.connect(self._model_back)
        if in_process:
            self._arrived.connect(self._answer)  # queued: emitted in the reader thread, delivered here
            self._process_ended.connect(self._restart)
            self._start_process()
        else:
            self._start_thread()
        self.conversion = Conversion(self)
        self._converted: set[str] = set()  # checkpoints converted in this session: never twice
        self.conversion_needed.connect(self._convert)
        self.conversion.progress.connect(self.conversion_progress)
        self.conversion.succeeded.connect(self._converted_now)
        self.conversion.failed.connect(self._conversion_failed)

    @property
    def mailbox(self) -> Mailbox:
        """Where requests wait to be taken (the process's sender, or the worker thread, takes them)."""
        return self.process.mailbox if self.process is not None else self.worker.server.mailbox

    def _start_thread(self) -> None:
        self.thread = QThread()
        self.thread.setObjectName("inference")
        self.worker = InferenceWorker(Mailbox(), self.canvas_size)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.yield_to_the_ui)  # emitted in the new thread: runs there
        self._wake.connect(self.worker.drain)  # queued: drain runs in the worker thread
        # Signal to signal: this object lives in the UI thread, so Qt queues every result to it.
        for name in ANSWERS:
            getattr(self.worker, name).connect(getattr(self, name))
        self.thread.start()

    def _start_process(self) -> None:
        try:
            self.process = WorkerProcess(self.canvas_size, self._arrived.emit, self._process_ended.emit)
        except OSError as error:
            self._run_in_a_thread(f"Recognition runs inside the app: its own process could not start ({error})")

    def _run_in_a_thread(self, note: str) -> None:
        """The worker as a thread of this process from now on (its process could not start); `note` says so."""
        self.process = None
        self._start_thread()
        self._say_once_the_model_is_back(note)

    def _say_once_the_model_is_back(self, note: str) -> None:
        """Load the model again (if one was asked for yet) and say `note` once it is in."""
        self._restart_note = note
        if self._last_load is not None:
            self.load(*self._last_load)

    @Slot(str, object)
    def _answer(self, name: str, args: tuple) -> None:
        getattr(self, name).emit(*args)

    @Slot(object)
    def _model_back(self, _info) -> None:
        self._restarts = 0
        if self._restart_note is not None:  # after the window's "Model … ready", which would hide it
            note, self._restart_note = self._restart_note, None
            QTimer.singleShot(0, lambda: self.worker_restarted.emit(note))

    @Slot(int)
    def _restart(self, code: int) -> None:
        """The worker process ended unasked: start it again, give it the model back and say so (the drawing and
        everything shown stay; model_loaded follows, and with it the drawing is predicted again)."""
        if self.process is None:
            return
        if not self.process.answered:  # it never started (a broken install, say): the app's own process runs the model
            self._run_in_a_thread(f"Recognition runs inside the app: its own process ended as it started "
                                  f"(exit status {code})")
            return
        if self._restarts >= self.RESTARTS:
            self.request_failed.emit(WORKER_STOPPED, f"the recognition process stopped (exit status {code}) "
                                               f"{self.RESTARTS + 1} times in a row; restart mnist-pad")
            return
        self._restarts += 1
        self._start_process()
        if self.process is not None:
            self._say_once_the_model_is_back(f"The recognition process stopped (exit status {code}) and was started again")

    def load(self, spec: str | Path, fallback: str | None = None) -> None:
        """Load a model (shipped name or file); on failure try `fallback`; the current one stays otherwise."""
        self._last_load = (str(spec), fallback)
        self._post("load", str(spec), fallback)

    def list_models(self) -> None:
        """Ask for the user's saved models (answered by models_listed)."""
        self._post("list_models")

    def predict(self, seq: int, strokes: Strokes, brush_width: float) -> None:
        self._post("predict", seq, strokes, brush_width)

    def read_number(self, seq: int, strokes: Strokes, brush_width: float, canvas_size: tuple[int, int],
                    boundaries=None) -> None:
        """Read strokes as a number (answered by number_read); `boundaries` None groups automatically."""
        self._post("number", seq, strokes, brush_width, canvas_size, boundaries)

    def predict_picture(self, seq: int, gray: np.ndarray) -> None:
        self._post("picture", seq, gray)

    def read_picture_number(self, seq: int, gray: np.ndarray) -> None:
        """Read a picture as a number (answered by number_read, boxes in the picture's pixels)."""
        self._post("number_picture", seq, gray)

    def sweep(self, seq: int, strokes: Strokes, widths: np.ndarray) -> None:
        self._post("sweep", seq, strokes, widths)

    def number_sweep(self, seq: int, strokes: Strokes, widths: np.ndarray) -> None:
        """Number mode's sweep of its selected digit (answered by number_swept; never replaces a sweep)."""
        self._post("number_sweep", seq, strokes, widths)

    def explain(self, seq: int, strokes: Strokes, brush_width: float, screen: tuple[int, int] | None = None) -> None:
        """Attribution map, per-stroke effects and MNIST likeness (answered by explained); with `screen`, the
        map over the canvas also at that (width, height), the canvas's size on screen."""
        self._post("explain", seq, strokes, brush_width, None, screen)

    def explain_picture(self, seq: int, gray: np.ndarray, frame: tuple[float, float, float, int, int],
                        screen: tuple[int, int] | None = None) -> None:
        """An opened picture's attribution map and MNIST likeness, the map laid over the picture where the
        canvas shows it: `frame` = (scale, left, top) of its pixel grid and the paper's (width, height) in
        canvas pixels (answered by explained: None when it holds several digits). It replaces a pending explain."""
        self._post("explain", seq, (), 0.0, (gray, frame), screen)

    def match_mnist(self, seq: int, strokes: Strokes, widths: np.ndarray) -> None:
        """The brush width among `widths` that renders MNIST's median thickness (answered by matched)."""
        self._post("match", seq, strokes, widths)

    def compare(self, seq: int, spec: str, strokes: Strokes, widths: np.ndarray) -> None:
        """A sweep by another model (answered by compared, or comparison_failed)."""
        self._post("compare", seq, spec, strokes, widths)

    def stop(self) -> None:
        """Drop pending work, end a conversion and the worker (waits for the request in progress)."""
        self.conversion.stop()
        if self.process is not None:
            process, self.process = self.process, None
            process.stop()
            return
        if self.worker is not None:
            self.mailbox.clear()
            self.thread.quit()
            self.thread.wait()

    def _convert(self, spec: str, fallback: str | None, checkpoint: str, target: str) -> None:
        if checkpoint in self._converted:
            self._conversion_failed(spec, fallback, f"{checkpoint}: converted, yet its ONNX form is still not found")
            return
        self.conversion.start(spec, fallback, checkpoint, target)

    def _converted_now(self, spec: str, fallback: str | None, checkpoint: str) -> None:
        self._converted.add(checkpoint)
        self.load(spec, fallback)

    def _conversion_failed(self, spec: str, fallback: str | None, message: str) -> None:
        self.model_failed.emit(spec, message)
        if fallback is not None:
            self.load(fallback)

    def _post(self, kind: str, *request) -> None:
        if self.process is not None:
            self.process.post(kind, *request)
        elif self.worker is not None and self.mailbox.put(kind, *request):
            self._wake.emit()
