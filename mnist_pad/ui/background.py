"""Run a function on Qt's global thread pool and hand its result to the UI thread.

Replaces superqt.utils.create_worker, whose import loads all of superqt's widgets at start-up.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    """Lives in the caller's thread, so its signal delivers the result there."""

    returned = Signal(object)


class _Call(QRunnable):
    def __init__(self, function: Callable[..., Any], args: tuple, relay: _Relay):
        super().__init__()
        self.function, self.args, self.relay = function, args, relay

    def run(self) -> None:
        result = self.function(*self.args)
        try:
            self.relay.returned.emit(result)
        except RuntimeError:  # the owner (and its relay) was deleted meanwhile: nobody waits for the result
            pass


def run_in_background(owner: QObject, function: Callable[..., Any], *args: Any,
                      returned: Callable[[Any], None]) -> None:
    """Call function(*args) on a pool thread; `returned(result)` then runs in owner's thread, unless
    owner was deleted first. The function must not raise: return a result that says what failed."""
    relay = _Relay(owner)
    relay.returned.connect(returned)
    relay.returned.connect(relay.deleteLater)
    QThreadPool.globalInstance().start(_Call(function, args, relay))
