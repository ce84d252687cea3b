"""Run by the GUI bench in a fresh process: `python -m mnist_pad.ui.startup_probe MODEL`.

Starts the app's window as `mnist-pad` does and prints, one per line, when the window is on screen
("visible T"), when the model is ready ("model T"), then, after drawing a seven and sweeping it with
MODEL, plain and MODEL again, the process's resident memory ("resident_mb M") and whether torch was
imported ("torch_imported 0|1"). T is time.time(), to compare with the launch time of the caller.
"""
from __future__ import annotations

import sys
import time

import psutil
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from .app import prepare_qt, tune_process_for_drawing
from .main_window import MainWindow
from .worker import ModelInfo

SEVEN = ((70, 60), (140, 58), (210, 60), (170, 150), (130, 235))


class Probe(QObject):
    """Drives one window through start-up, a drawing per model, and the memory reading."""

    def __init__(self, window: MainWindow, model: str):
        super().__init__(window)  # the window keeps it alive
        self.window = window
        self.ready = False
        self.shown = False
        self.switches = iter(["plain", model, None])  # robust -> plain -> robust, as the memory figure says
        window.windowHandle().installEventFilter(self)  # the window exists: show() was called
        window.model_changed.connect(self.draw_a_seven)
        window.sweep_shown.connect(self.switch)  # a drawing recognised and swept: on to the next model
        window.model_load_failed.connect(lambda *_: window.close())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # At the expose event itself: polling on a timer would also count whatever work the event
        # loop does between the window appearing and the timer's next turn.
        if event.type() == QEvent.Type.Expose and watched.isExposed() and not self.shown:
            self.shown = True
            print("visible", time.time(), flush=True)
        return False

    def draw_a_seven(self, _info: ModelInfo) -> None:
        if not self.ready:
            self.ready = True
            print("model", time.time(), flush=True)
        canvas, button, none = self.window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        self.window.clear()
        points = [canvas.to_widget(x, y).toPoint() for x, y in SEVEN]
        QTest.mousePress(canvas, button, none, points[0])
        for point in points[1:]:
            QTest.mouseMove(canvas, point)
        QTest.mouseRelease(canvas, button, none, points[-1])

    def switch(self, _seq: int) -> None:
        model = next(self.switches, None)
        if model is None:
            QTimer.singleShot(1000, self.memory)
        else:
            self.window.load_model(model)

    def memory(self) -> None:
        # The app is this process and its inference worker's: both counted, resident and proportional
        # (the shared libraries both map are counted once in the proportional figure).
        processes = [psutil.Process(), *psutil.Process().children()]
        print("resident_mb", sum(p.memory_info().rss for p in processes) / 2**20, flush=True)
        print("proportional_mb", sum(p.memory_full_info().pss for p in processes) / 2**20, flush=True)
        print("ui_process_mb", processes[0].memory_info().rss / 2**20, flush=True)
        print("torch_imported", int("torch" in sys.modules), flush=True)
        self.window.close()


def main(argv: list[str]) -> int:
    """Run the probe with the model named in argv[1]; returns the app's exit status."""
    prepare_qt()
    app = QApplication(argv[:1])
    window = MainWindow(model=argv[1])
    tune_process_for_drawing(window)
    window.show()
    Probe(window, argv[1])
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
