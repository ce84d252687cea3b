"""Background processes that speak JSON lines (training, evaluation), run with QProcess.

A crash, a kill or a full disk in such a process can never take the app down: `JsonLinesProcess`
only reads its stdout line by line (QProcess.canReadLine/readLine) and turns each JSON object into
a signal; `TrainingRun` interprets the training CLI's events (training/progress.py) in words a user
can act on. Each takes its command as an argument, so tests run stand-in programs the same way.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from ..recipe import Recipe

CANCEL_GRACE_MS = 5000  # after SIGTERM, how long a process may take to stop before it is killed
STDERR_KEPT = 4000      # bytes of stderr kept to explain a crash
TRAINING_PROGRAM = (sys.executable, "-m", "training")


def training_command(recipe: Recipe, out: Path, program: tuple[str, ...] = TRAINING_PROGRAM) -> list[str]:
    """The argv of a training run of `recipe` writing its model to `out`, below the app's priority."""
    return [*program, "--progress", "json", "--low-priority", "--out", str(out), *recipe.to_argv()]


@dataclass(frozen=True)
class Outcome:
    """How a JSON-lines process ended."""

    last_event: dict        # the last JSON object it printed ({} if none)
    exit_code: int
    crashed: bool           # killed by a signal or crashed
    stopped: bool           # we asked it to stop
    error: str = ""         # why it could not start, or the last line of its stderr

    def describe(self, what: str) -> str:
        """The ending in words, for an ending without a JSON verdict."""
        how = "was killed" if self.crashed else f"stopped with exit code {self.exit_code}"
        return f"the {what} process {how} ({self.error or 'no message'})"


class JsonLinesProcess(QObject):
    """Runs one command; emits each JSON object it prints on stdout, then how it ended."""

    event = Signal(dict)
    ended = Signal(object)  # Outcome

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._process: QProcess | None = None
        self._stderr = b""
        self._last: dict = {}
        self._stopping = False

    @property
    def running(self) -> bool:
        """Whether a process is going."""
        return self._process is not None

    def start(self, command: list[str]) -> bool:
        """Start `command`; False (and nothing started) while another is running."""
        if self.running:
            return False
        self._stderr, self._last, self._stopping = b"", {}, False
        process = QProcess(self)
        process.readyReadStandardOutput.connect(self._read_lines)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        process.start(command[0], command[1:])
        return True

    def stop(self) -> None:
        """Ask the process to stop (SIGTERM); kill it if it has not stopped after a grace period."""
        if not self._process:
            return
        self._stopping = True
        self._process.terminate()
        process = self._process
        QTimer.singleShot(CANCEL_GRACE_MS, lambda: self._process is process and process.kill())

    def kill(self) -> None:
        """Stop the process at once and wait for it (used when the app quits)."""
        if self._process:
            self._stopping = True
            self._process.kill()
            self._process.waitForFinished(3000)

    def _read_lines(self) -> None:
        process = self._process
        while process is not None and process.canReadLine():
            self._handle(bytes(process.readLine()))

    def _read_stderr(self) -> None:
        self._stderr = (self._stderr + bytes(self._process.readAllStandardError()))[-STDERR_KEPT:]

    def _handle(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return  # library chatter on stdout is not ours to interpret
        if isinstance(event, dict):
            self._last = event
            self.event.emit(event)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process:
            self._end(Outcome({}, -1, False, self._stopping, f"could not be started: {self._process.errorString()}"))

    def _finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self._process is None:
            return
        self._read_lines()
        rest = bytes(self._process.readAllStandardOutput())  # a last line without its newline
        if rest.strip():
            self._handle(rest)
        self._read_stderr()
        detail = self._stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
        self._end(Outcome(self._last, exit_code, exit_status == QProcess.ExitStatus.CrashExit, self._stopping, detail[0]))

    def _end(self, outcome: Outcome) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
        self.ended.emit(outcome)


class TrainingRun(QObject):
    """One training process at a time, its events as signals, and a verdict in words."""

    staged = Signal(dict)       # "stage" events: loading or evaluating, with a fraction
    started = Signal(dict)      # the "start" event
    progress = Signal(dict)     # "progress" events: fraction, eta_s, loss, accuracy, ...
    evaluated = Signal(dict)    # "eval" events
    succeeded = Signal(dict)    # the "done" event: path, figures, baseline
    failed = Signal(str)        # a message for the user
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.process = JsonLinesProcess(self)
        self.process.event.connect(self._on_event)
        self.process.ended.connect(self._on_ended)
        self._out: Path | None = None

    @property
    def running(self) -> bool:
        """Whether training is going."""
        return self.process.running

    def start(self, command: list[str], out: Path) -> bool:
        """Start training writing to `out`; False (and nothing started) when a run is already going."""
        if self.running:
            return False
        self._out = Path(out)
        return self.process.start(command)

    def cancel(self) -> None:
        """Ask training to stop; nothing is saved."""
        self.process.stop()

    def kill(self) -> None:
        """Stop training at once (used when the app quits)."""
        self.process.kill()

    def _on_event(self, event: dict) -> None:
        signal = {"stage": self.staged, "start": self.started, "progress": self.progress,
                  "eval": self.evaluated}.get(event.get("event"))
        if signal is not None:
            signal.emit(event)

    def _on_ended(self, outcome: Outcome) -> None:
        self._remove_leftovers()
        final = outcome.last_event
        if final.get("event") == "done" and outcome.exit_code == 0 and Path(str(final.get("path", ""))).is_file():
            self.succeeded.emit(final)
        elif outcome.stopped or final.get("event") == "cancelled":
            self.cancelled.emit()
        elif final.get("event") == "error":
            self.failed.emit(str(final.get("message") or "training failed"))
        elif outcome.exit_code == -1:
            self.failed.emit(f"training {outcome.error}")
        else:
            self.failed.emit(f"{outcome.describe('training')}; your current model is unchanged")

    def _remove_leftovers(self) -> None:
        """A killed save can leave its temp file; the model path itself is only ever complete."""
        if self._out is None:
            return
        for temp in self._out.parent.glob(f".{self._out.name}.*.tmp"):
            temp.unlink(missing_ok=True)
