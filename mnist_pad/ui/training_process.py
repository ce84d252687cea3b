"""A training run in its own process (QProcess + the training CLI's JSON-lines progress).

A crash, a kill or a full disk in the training process can never take the app down: this
object only reads its events and turns them into signals. One run at a time.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

CANCEL_GRACE_MS = 5000  # after SIGTERM, how long training may take to stop before it is killed


def training_command(out: Path, options: list[str]) -> list[str]:
    """The argv of a training run writing its model to `out`."""
    return [sys.executable, "-m", "training", "--progress", "json", "--low-priority", "--out", str(out), *options]


class TrainingRun(QObject):
    """Runs one training process and reports what it says, in words a user can act on."""

    started = Signal(dict)      # the "start" event
    progress = Signal(dict)     # "progress" events: fraction, eta_s, loss, accuracy, ...
    evaluated = Signal(dict)    # "eval" events
    succeeded = Signal(dict)    # the "done" event: path, figures
    failed = Signal(str)        # a message for the user
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._process: QProcess | None = None
        self._buffer = b""
        self._stderr = b""
        self._out: Path | None = None
        self._final: dict | None = None
        self._cancelling = False

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self, command: list[str], out: Path) -> bool:
        """Start training; False (and nothing started) when a run is already going."""
        if self.running:
            return False
        self._buffer, self._stderr, self._final, self._cancelling = b"", b"", None, False
        self._out = Path(out)
        process = QProcess(self)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        process.start(command[0], command[1:])
        return True

    def cancel(self) -> None:
        """Ask training to stop (SIGTERM); kill it if it has not stopped after a grace period."""
        if not self._process:
            return
        self._cancelling = True
        self._process.terminate()
        process = self._process
        QTimer.singleShot(CANCEL_GRACE_MS, lambda: self._process is process and process.kill())

    def kill(self) -> None:
        """Stop training at once (used when the app quits)."""
        if self._process:
            self._cancelling = True
            self._process.kill()
            self._process.waitForFinished(3000)

    # -- process plumbing ---------------------------------------------------------------
    def _read_stdout(self) -> None:
        self._buffer += bytes(self._process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._handle_line(line)

    def _read_stderr(self) -> None:
        self._stderr = (self._stderr + bytes(self._process.readAllStandardError()))[-4000:]

    def _handle_line(self, line: bytes) -> None:
        try:
            event = json.loads(line)
        except ValueError:
            return  # library chatter on stdout is not ours to interpret
        if not isinstance(event, dict):
            return
        kind = event.get("event")
        if kind == "start":
            self.started.emit(event)
        elif kind == "progress":
            self.progress.emit(event)
        elif kind == "eval":
            self.evaluated.emit(event)
        elif kind in ("done", "error", "cancelled"):
            self._final = event

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process:
            message = f"training could not be started: {self._process.errorString()}"
            self._finish_with(lambda: self.failed.emit(message))

    def _finished(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        if self._process is None:
            return
        self._read_stdout()
        if self._buffer:
            self._handle_line(self._buffer)
        final, crashed = self._final or {}, exit_status == QProcess.ExitStatus.CrashExit
        if final.get("event") == "done" and exit_code == 0 and Path(final.get("path", "")).is_file():
            self._finish_with(lambda: self.succeeded.emit(final))
        elif self._cancelling or final.get("event") == "cancelled":
            self._finish_with(self.cancelled.emit)
        elif final.get("event") == "error":
            self._finish_with(lambda: self.failed.emit(str(final.get("message") or "training failed")))
        else:
            how = "was killed" if crashed else f"stopped with exit code {exit_code}"
            detail = self._stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            self._finish_with(lambda: self.failed.emit(f"the training process {how} ({detail[0]}); your current model is unchanged"))

    def _finish_with(self, report) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.deleteLater()
        self._remove_leftovers()
        report()

    def _remove_leftovers(self) -> None:
        """A killed save can leave its temp file; the model path itself is only ever complete."""
        if self._out is None:
            return
        for temp in self._out.parent.glob(f".{self._out.name}.*.tmp"):
            temp.unlink(missing_ok=True)
