"""Converting a checkpoint that has no ONNX form yet, in its own process (torch never enters the app).

Runs `python -m training.export CHECKPOINT --out TARGET --progress json` with QProcess. That
command reads the checkpoint with torch's weights-only loader, so a file that would run code is
refused there and nothing is executed, neither in the converter nor in the app.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal


def conversion_command(checkpoint: str, target: str) -> list[str]:
    """The argv converting `checkpoint` into the ONNX form described by `target` (.json)."""
    return [sys.executable, "-m", "training.export", checkpoint, "--out", target, "--progress", "json"]


class Conversion(QObject):
    """One conversion at a time; a new one replaces (kills) the one running."""

    progress = Signal(str)                  # a line for the status bar
    succeeded = Signal(str, object, str)    # spec, fallback, checkpoint
    failed = Signal(str, object, str)       # spec, fallback, message naming the file and the problem

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._process: QProcess | None = None
        self._request: tuple[str, str | None, str] = ("", None, "")  # spec, fallback, checkpoint
        self._error = ""

    @property
    def running(self) -> bool:
        return self._process is not None

    def start(self, spec: str, fallback: str | None, checkpoint: str, target: str) -> None:
        """Convert `checkpoint`; then `succeeded(spec, fallback)` or `failed(spec, fallback, message)`."""
        self.stop()
        self._request, self._error = (spec, fallback, checkpoint), ""
        process = QProcess(self)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._crashed)
        self._process = process
        self.progress.emit(f"Converting {Path(checkpoint).name} for ONNX Runtime (once per file: a few seconds)…")
        command = conversion_command(checkpoint, target)
        process.start(command[0], command[1:])

    def stop(self) -> None:
        """Kill a running conversion (its output is written atomically, so nothing half-made stays)."""
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect(self._finished)
            process.errorOccurred.disconnect(self._crashed)
            process.kill()
            process.waitForFinished(2000)
            process.deleteLater()

    def _read(self) -> None:
        if self._process is None:
            return
        while self._process.canReadLine():
            line = bytes(self._process.readLine()).decode(errors="replace").strip()
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "stage":
                self.progress.emit(f"Converting {Path(self._request[2]).name}: {event.get('message', '')}…")
            elif event.get("event") == "error":
                self._error = str(event.get("message", ""))

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        process = self._process
        self._read()
        stderr = bytes(process.readAllStandardError()).decode(errors="replace").strip() if process else ""
        self._process = None
        if process is not None:
            process.deleteLater()
        spec, fallback, checkpoint = self._request
        if code == 0 and status == QProcess.ExitStatus.NormalExit:
            self.progress.emit(f"Converted {Path(checkpoint).name}")
            self.succeeded.emit(spec, fallback, checkpoint)
        else:
            detail = self._error or f"the conversion process stopped (exit code {code}): {stderr[-400:] or 'no message'}"
            self.failed.emit(spec, fallback, detail)

    def _crashed(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._process.deleteLater()
            self._process = None
            spec, fallback, checkpoint = self._request
            self.failed.emit(spec, fallback, f"{checkpoint}: the conversion could not start ({sys.executable} -m training.export)")
