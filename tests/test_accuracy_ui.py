"""Model → Accuracy vs brush width: background evaluations plotted, failures told in words."""
from __future__ import annotations

import json
import sys

from mnist_pad.ui import accuracy_dialog
from mnist_pad.ui.accuracy_dialog import AccuracyDialog

FIGURES = {"mnist_test_accuracy": 0.99, "mnist_morph-3_accuracy": 0.97, "mnist_morph+5_accuracy": 0.95,
           "pendigits_w4_accuracy": 0.9, "pendigits_w50_accuracy": 0.95, "pendigits_mean_accuracy": 0.925,
           "pendigits_worst_width_accuracy": 0.9, "pendigits_spread_points": 5.0, "pendigits_set": "held-out writers",
           "corrections_w4_accuracy": 0.5, "corrections_w12_accuracy": 0.75, "corrections_count": 12}


def fake_evaluate(monkeypatch, script: str):
    monkeypatch.setattr(accuracy_dialog, "evaluation_command",
                        lambda model, data_dir, corrections: [sys.executable, "-c", script, model])


def test_two_models_are_evaluated_and_plotted(qtbot, monkeypatch):
    fake_evaluate(monkeypatch, f"import json, sys; print(json.dumps({{'model': sys.argv[1], 'figures': {json.dumps(FIGURES)}, 'brush_widths': [4, 12, 50], 'thickness_px': {{'-3': -1, '+5': 2}}}}))")
    dialog = AccuracyDialog([("robust", "robust"), ("plain", "plain")])
    qtbot.addWidget(dialog)
    dialog.second.setCurrentIndex(2)
    assert dialog.selected_models() == ["robust", "plain"]
    dialog.run_button.click()
    assert not dialog.run_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    assert set(dialog.results) == {"robust", "plain"}
    curves = dialog.width_chart.getPlotItem().listDataItems()
    assert len(curves) == 4, "pen digits and my drawings for each model"
    assert list(curves[0].getData()[0]) == [4.0, 50.0] and list(curves[1].getData()[0]) == [4.0, 12.0]
    colours = {curve.name(): curve.opts["pen"].color().name() for curve in curves}
    assert colours["robust: pen digits"] == accuracy_dialog.MODEL_PENS[0], "the first choice keeps the first colour"
    assert colours["plain: pen digits"] == accuracy_dialog.MODEL_PENS[1]
    morph = dialog.morph_chart.getPlotItem().listDataItems()[0]
    assert list(morph.getData()[0]) == [-1.0, 0.0, 2.0]
    assert "12 of your drawings" in dialog.status.text()


def test_the_first_choice_is_listed_first_whichever_finishes_first(qtbot, monkeypatch):
    """Legends and the summary follow the choice ("robust compare with plain"), not the finishing order."""
    fake_evaluate(monkeypatch, "import json, sys, time\n"
                  "time.sleep(1.5 if sys.argv[1] == 'robust' else 0)\n"
                  f"print(json.dumps({{'model': sys.argv[1], 'figures': {json.dumps(FIGURES)}, 'brush_widths': [4, 12, 50], 'thickness_px': {{'-3': -1, '+5': 2}}}}))")
    dialog = AccuracyDialog([("robust", "robust"), ("plain", "plain")])
    qtbot.addWidget(dialog)
    dialog.second.setCurrentIndex(2)
    finished = []
    dialog.run_button.click()
    for run in dialog.runs.values():
        run.finished.connect(lambda model, _result: finished.append(model))
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    assert finished == ["plain", "robust"]
    assert [label for _, label, _ in dialog.width_chart.legend_row.entries] == [
        "robust: pen digits", "robust: my drawings", "plain: pen digits", "plain: my drawings"]
    assert [label for _, label, _ in dialog.morph_chart.legend_row.entries] == ["robust", "plain"]
    assert dialog.status.text().index("robust") < dialog.status.text().index("plain")


def test_a_failed_evaluation_is_reported(qtbot, monkeypatch):
    fake_evaluate(monkeypatch, "import sys; print('error: MNIST not found in /x', file=sys.stderr); sys.exit(2)")
    dialog = AccuracyDialog([("robust", "robust")])
    qtbot.addWidget(dialog)
    dialog.evaluate()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    assert "MNIST not found" in dialog.status.text() and not dialog.results


def test_the_real_evaluation_is_plotted(qtbot, monkeypatch, shared_data, pendigits_file, tiny_model_path):
    real = accuracy_dialog.evaluation_command
    monkeypatch.setattr(accuracy_dialog, "evaluation_command",
                        lambda model, data_dir, corrections: real(model, str(shared_data), corrections) + ["--limit", "60"])
    dialog = AccuracyDialog([("tiny", str(tiny_model_path))])
    qtbot.addWidget(dialog)
    dialog.evaluate()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=120000)
    assert str(tiny_model_path) in dialog.results, dialog.status.text()
    pen = dialog.width_chart.getPlotItem().listDataItems()[0]
    assert list(pen.getData()[0]) == [4.0, 8.0, 12.0, 18.0, 25.0, 35.0, 50.0]


def test_charts_read_in_percent_with_the_legend_below(qtbot, monkeypatch):
    from mnist_pad.ui.chart_style import PercentAxis

    fake_evaluate(monkeypatch, f"import json, sys; print(json.dumps({{'model': sys.argv[1], 'figures': {json.dumps(FIGURES)}, 'brush_widths': [4, 12, 50], 'thickness_px': {{'-3': -1, '+5': 2}}}}))")
    dialog = AccuracyDialog([("robust", "robust")])
    qtbot.addWidget(dialog)
    for chart in (dialog.width_chart, dialog.morph_chart):
        assert not chart.getPlotItem().getAxis("left").isVisible(), "no placeholder axis before a run"
    dialog.run_button.click()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    for chart in (dialog.width_chart, dialog.morph_chart):
        axis = chart.getPlotItem().getAxis("left")
        assert isinstance(axis, PercentAxis) and axis.isVisible()
        assert axis.tickStrings([0.95, 0.96], 1.0, 0.01) == ["95%", "96%"]
        assert axis.labelUnitPrefix == "" and not chart.isAncestorOf(chart.legend_row)
    assert [label for _, label, _ in dialog.width_chart.legend_row.entries] == ["robust: pen digits", "robust: my drawings"]


def test_progress_lines_drive_a_bar_with_the_time_left(qtbot, monkeypatch):
    fake_evaluate(monkeypatch, "import json, sys, time\n"
                  "print(json.dumps({'event': 'progress', 'fraction': 0.0, 'stage': 'MNIST test', 'eta_s': None}), flush=True)\n"
                  "time.sleep(0.5)\n"
                  "print(json.dumps({'event': 'progress', 'fraction': 0.5, 'stage': 'pen-drawn digits at 8 px', 'eta_s': 12.4}), flush=True)\n"
                  "time.sleep(2)\n"
                  f"print(json.dumps({{'model': sys.argv[1], 'figures': {json.dumps(FIGURES)}, 'brush_widths': [4]}}))")
    dialog = AccuracyDialog([("robust", "robust")])
    qtbot.addWidget(dialog)
    bar = dialog.findChild(accuracy_dialog.QProgressBar, "accuracyProgress")
    assert bar.isHidden()
    dialog.evaluate()
    assert not bar.isHidden()
    qtbot.waitUntil(lambda: "estimating" in dialog.status.text(), timeout=20000)
    qtbot.waitUntil(lambda: bar.value() == 500, timeout=20000)
    assert "about 12 s left" in dialog.status.text() and "pen-drawn digits at 8 px" in dialog.status.text()
    qtbot.waitUntil(lambda: dialog.run_button.isEnabled(), timeout=20000)
    assert bar.isHidden() and dialog.status.text().startswith("Done.")


def test_the_evaluation_command_prints_progress_before_its_result(shared_data, pendigits_file, tiny_model_path, capsys):
    from training import evaluate

    assert evaluate.main(["--model", str(tiny_model_path), "--data-dir", str(shared_data), "--pendigits",
                          str(pendigits_file), "--limit", "60", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    progress = [line for line in lines if line.get("event") == "progress"]
    fractions = [line["fraction"] for line in progress]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert all(line["eta_s"] is None or line["eta_s"] >= 0 for line in progress)
    assert "figures" in lines[-1] and "pendigits_w8_accuracy" in lines[-1]["figures"]
