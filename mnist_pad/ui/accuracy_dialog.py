"""Model → Accuracy vs brush width…: evaluate models against stroke thickness, in the background.

Each evaluation is a separate process (`python -m training.evaluate --json`), so thousands of
images never compete with drawing. Two models can be compared on one chart. The processes'
progress lines drive a progress bar with the time left.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget,
)

from .. import figures as keys, paths
from .chart_style import LegendRow, percent_plot
from .settings import Keys, settings
from .training_process import JsonLinesProcess, Outcome

MODEL_PENS = ("#2e86ab", "#d1495b")


def evaluation_command(model: str, data_dir: str, corrections_file: str) -> list[str]:
    """The argv of one background evaluation; the user's drawings join in once there are any."""
    drawings = ["--corrections", corrections_file] if Path(corrections_file).is_file() else []
    return [sys.executable, "-m", "training.evaluate", "--model", model, "--data-dir", data_dir,
            *drawings, "--json", "--low-priority"]


class EvaluationRun(QObject):
    """One evaluation process (a JsonLinesProcess); emits its figures or a message."""

    finished = Signal(str, dict)   # model, the evaluation's JSON (figures, thickness_px)
    failed = Signal(str, str)      # model, message
    progressed = Signal(str)       # model; its fraction, eta_s and stage are now up to date

    def __init__(self, model: str, command: list[str], parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.fraction, self.eta_s, self.stage = 0.0, None, "starting"
        self.process = JsonLinesProcess(self)
        self.process.event.connect(self._event)
        self.process.ended.connect(self._done)
        self.process.start(command)

    def _event(self, event: dict) -> None:
        if event.get("event") != "progress" or not isinstance(event.get("fraction"), (int, float)):
            return
        self.fraction = min(1.0, max(0.0, float(event["fraction"])))
        eta = event.get("eta_s")
        self.eta_s = float(eta) if isinstance(eta, (int, float)) else None
        self.stage = str(event.get("stage", ""))
        self.progressed.emit(self.model)

    def _done(self, outcome: Outcome) -> None:
        result = outcome.last_event
        if outcome.exit_code == 0 and isinstance(result.get("figures"), dict):
            self.finished.emit(self.model, result)
        elif outcome.exit_code == -1:
            self.failed.emit(self.model, f"the evaluation {outcome.error}")
        else:
            self.failed.emit(self.model, outcome.error or f"the evaluation stopped (exit code {outcome.exit_code})")

    def stop(self) -> None:
        """End the evaluation now."""
        self.process.kill()


class AccuracyDialog(QDialog):
    """Plots accuracy against brush width for one or two models."""

    def __init__(self, model_choices: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("accuracyDialog")
        self.setWindowTitle("Accuracy vs brush width")
        self.runs: dict[str, EvaluationRun] = {}
        self.results: dict[str, dict] = {}
        self.order: list[str] = []  # the models being evaluated, first choice first
        self.first, self.second = QComboBox(), QComboBox()
        self.second.addItem("(none)", "")
        for label, spec in model_choices:
            self.first.addItem(label, spec)
            self.second.addItem(label, spec)
        self.run_button = QPushButton("Evaluate")
        self.run_button.setObjectName("accuracyRun")
        self.run_button.clicked.connect(self.evaluate)
        row = QHBoxLayout()
        for widget in (QLabel("Model"), self.first, QLabel("compare with"), self.second, self.run_button):
            row.addWidget(widget)
        row.addStretch()
        self.status = QLabel("Evaluates on the MNIST test set thinned and thickened, on your own drawings "
                             "re-rendered at several brush widths (10 or more needed), and on pen-drawn digits when present.")
        self.status.setObjectName("accuracyStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(objectName="accuracyProgress", minimum=0, maximum=1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.width_chart = self._chart("brush width (px)", "pen-drawn digits and your drawings")
        self.width_chart.setObjectName("accuracyWidthChart")
        self.morph_chart = self._chart("stroke change at 28x28 (px)", "MNIST test, thinned ↔ thickened")
        self.morph_chart.setObjectName("accuracyMorphChart")
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        for chart in (self.width_chart, self.morph_chart):
            layout.addWidget(chart, 1)
            layout.addWidget(chart.legend_row)
        self.resize(640, 620)

    @staticmethod
    def _chart(x_label: str, title: str) -> pg.PlotWidget:
        """A percent chart with its legend as a row below (never over a curve), blank until a run."""
        chart = percent_plot(title=title)
        chart.setLabel("bottom", x_label)
        chart.setLabel("left", "accuracy")
        chart.showGrid(x=True, y=True, alpha=0.2)
        chart.setMinimumHeight(200)
        chart.legend_row = LegendRow()
        chart.legend_row.hide()
        chart.getPlotItem().hideAxis("left")  # no made-up axis before there is anything to read
        chart.getPlotItem().hideAxis("bottom")
        chart.placeholder = pg.TextItem("press Evaluate to measure", color="#8a8a90", anchor=(0.5, 0.5))
        chart.addItem(chart.placeholder)
        return chart

    @staticmethod
    def _add_curve(chart: pg.PlotWidget, xs, ys, pen, colour: str, label: str, dashed: bool) -> None:
        """A model's curve, in its colour; the legend lists the models in the order chosen (their colours'),
        whichever finished first."""
        if chart.placeholder.isVisible():
            chart.placeholder.hide()
            chart.getPlotItem().showAxis("left")
            chart.getPlotItem().showAxis("bottom")
        chart.plot(xs, ys, pen=pen, symbol="o", symbolSize=6, symbolBrush=colour, name=label)
        chart.legend_row.set_entries(sorted(chart.legend_row.entries + [(colour, label, dashed)],
                                            key=lambda entry: MODEL_PENS.index(entry[0])))

    def selected_models(self) -> list[str]:
        return [spec for spec in (self.first.currentData(), self.second.currentData()) if spec]

    def evaluate(self) -> None:
        """Start one background evaluation per chosen model."""
        if self.runs:
            return
        self.results.clear()
        for chart in (self.width_chart, self.morph_chart):
            chart.clear()
            chart.legend_row.set_entries([])
        data_dir = str(settings().value(Keys.MNIST_DIR, str(paths.mnist_cache_dir())))
        self.order = list(dict.fromkeys(self.selected_models()))
        for spec in self.order:
            run = EvaluationRun(spec, evaluation_command(spec, data_dir, str(paths.corrections_file())), self)
            run.finished.connect(self._finished)
            run.failed.connect(self._failed)
            run.progressed.connect(self._show_progress)
            self.runs[spec] = run
        self.run_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setStyleSheet("")
        self.status.setText("Evaluating in the background… keep drawing meanwhile")

    def _show_progress(self, _model: str = "") -> None:
        """The runs' mean fraction on the bar (a finished run counts as whole); the time left is the slowest run's."""
        running = list(self.runs.values())
        if not running:
            return
        fractions = [self.runs[m].fraction if m in self.runs else 1.0 for m in self.order]
        self.progress.setValue(round(1000 * sum(fractions) / len(fractions)))
        etas = [run.eta_s for run in running]
        left = "estimating the time left…" if None in etas else f"about {_duration(max(etas))} left"
        stages = "; ".join(f"{run.model.rsplit('/', 1)[-1]}: {run.stage}" for run in running)
        self.status.setText(f"Evaluating in the background ({left}) — {stages}. Keep drawing meanwhile.")

    def _finished(self, model: str, result: dict) -> None:
        self.results[model] = result["figures"]
        try:
            self._plot(model, result, MODEL_PENS[self.order.index(model)])  # colour by choice, not by finish
        finally:  # whatever the figures hold, the dialog must not stay busy
            self._run_ended(model)

    def _failed(self, model: str, message: str) -> None:
        self.status.setText(f"{model}: {message}")
        self.status.setStyleSheet("color: #b00020;")
        self._run_ended(model)

    def _run_ended(self, model: str) -> None:
        run = self.runs.pop(model, None)
        if run:
            run.deleteLater()
        self._show_progress()
        if not self.runs:
            self.run_button.setEnabled(True)
            self.progress.hide()
            if self.results:
                self.status.setStyleSheet("")
                self.status.setText(self._summary())

    def _plot(self, model: str, result: dict, colour: str) -> None:
        figures, name = result["figures"], Path(model).name
        for source, label, style in ((keys.PEN, "pen digits", Qt.PenStyle.SolidLine),
                                     (keys.CORRECTIONS, "my drawings", Qt.PenStyle.DotLine)):
            points = keys.per_width(figures, source)
            if points:
                pen = pg.mkPen(colour, width=2, style=style)
                self._add_curve(self.width_chart, list(points), list(points.values()), pen, colour,
                                f"{name}: {label}", style != Qt.PenStyle.SolidLine)
        morph = [(0.0, figures[keys.MNIST_TEST])] if keys.MNIST_TEST in figures else []
        changes = {int(kernel): change for kernel, change in result.get("thickness_px", {}).items()}
        morph += [(float(changes[kernel]), accuracy) for kernel, accuracy in keys.per_kernel(figures).items()
                  if kernel in changes]
        if morph:
            xs, ys = zip(*sorted(morph))
            self._add_curve(self.morph_chart, xs, ys, pg.mkPen(colour, width=2), colour, name, False)

    def _summary(self) -> str:
        parts = []
        for model in self.order:  # as chosen, whichever finished first
            if model not in self.results:
                continue
            figures, text = self.results[model], Path(model).name
            if keys.MNIST_TEST in figures:
                text += f": MNIST {figures[keys.MNIST_TEST]:.2%}"
            if keys.CORRECTIONS_COUNT in figures:
                text += f", {figures[keys.CORRECTIONS_COUNT]} of your drawings"
            parts.append(text)
        return "Done. " + "; ".join(parts)

    def done(self, result: int) -> None:  # noqa: D401 - Qt's name
        """Closing the dialog stops evaluations still running."""
        for run in list(self.runs.values()):
            run.stop()
        self.runs.clear()
        super().done(result)


def _duration(seconds: float) -> str:
    """A time left in words a person reads at a glance: "8 s", "2 min"."""
    return f"{max(1, round(seconds))} s" if seconds < 90 else f"{round(seconds / 60)} min"
