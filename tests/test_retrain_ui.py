"""Retraining from the GUI (with a stand-in training program) and the My drawings dialog."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolButton

from mnist_pad import corrections, paths
from mnist_pad.ui.corrections_view import CorrectionBar, MyDrawingsDialog
from mnist_pad.ui.retrain_dialog import RetrainDialog

STROKES = [[(60.0, 60.0), (200.0, 60.0), (120.0, 230.0)]]


@pytest.fixture
def fake_cli(tmp_path):
    """A stand-in training CLI; `behaviour` is its tail after the progress events. Returns its program."""
    def install(behaviour: str) -> tuple[str, ...]:
        script = tmp_path / "fake_train.py"
        script.write_text(textwrap.dedent("""
            import json, os, signal, sys, time
            out = sys.argv[sys.argv.index("--out") + 1]
            def say(**event):
                print(json.dumps(event), flush=True)
            signal.signal(signal.SIGTERM, lambda *a: (say(event="cancelled", message="stopped"), sys.exit(130)))
            print(json.dumps(sys.argv[1:]), file=open(os.path.join(os.path.dirname(__file__), "argv.json"), "w"))
            say(event="stage", stage="loading MNIST", fraction=0.5)
            say(event="start", arch="padnet", device="cpu")
            for i in range(4):
                say(event="progress", fraction=(i + 1) / 5, eta_s=4 - i, loss=1 / (i + 1), accuracy=0.9, epoch=0, step=i)
        """) + textwrap.dedent(behaviour))
        return (sys.executable, str(script))
    return install


def argv_of_run(program: tuple[str, ...]) -> list[str]:
    """The options the last run of the stand-in `program` was given."""
    return json.loads((Path(program[1]).parent / "argv.json").read_text())


def test_start_shows_progress_and_ends_with_a_swap_offer(qtbot, fake_cli):
    program = fake_cli("""
        open(out, "wb").write(b"weights")
        say(event="done", path=out, figures={"mnist_test_accuracy": 0.996}, seconds=1)
    """)
    dialog = RetrainDialog(program=program)
    qtbot.addWidget(dialog)
    dialog.set_current_model("mine", "/models/mine.pt", {"name": "robust", "figures": {"mnist_test_accuracy": 0.995}})
    dialog.budget.setValue(60)
    progress_values = []
    dialog.run.progress.connect(lambda e: progress_values.append(dialog.progress.value()))
    with qtbot.waitSignal(dialog.run.succeeded, timeout=20000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert progress_values == [200, 400, 600, 800]
    argv = argv_of_run(program)
    assert argv[argv.index("--time-budget") + 1] == "60" and "--init" not in argv
    assert argv[argv.index("--arch") + 1] == "padnet", "a quick CPU retrain uses the network that learns fastest"
    assert dialog.result.isVisibleTo(dialog)
    texts = [dialog.result.grid.itemAt(i).widget().text() for i in range(dialog.result.grid.count())]
    assert "99.50%" in texts and "99.60%" in texts and "<b>current (mine)</b>" in texts, "compared with the model in use"
    assert dialog.result.use_button.text() == "Use the new model" and "worse than the current" not in dialog.result.verdict.text()
    with qtbot.waitSignal(dialog.use_model) as chosen:
        dialog.result.use_button.click()
    assert chosen.args[0].startswith(str(paths.user_models_dir()))
    assert not dialog.result.use_button.isEnabled() and "in use" in dialog.result.new_header.text()


def _retrained(qtbot, fake_cli, new: tuple[float, float], current: tuple[float, float], seconds: float = 1) -> RetrainDialog:
    """A finished run whose model scored `new` (MNIST test, pen worst width) beside the model in use's `current`."""
    keys = ("mnist_test_accuracy", "pendigits_worst_width_accuracy")
    program = fake_cli(f"""
        open(out, "wb").write(b"weights")
        say(event="done", path=out, seconds={seconds}, figures={dict(zip(keys, new))!r})
    """)
    dialog = RetrainDialog(program=program)
    qtbot.addWidget(dialog)
    dialog.set_current_model("robust", "robust.pt", {"figures": dict(zip(keys, current))})
    with qtbot.waitSignal(dialog.run.succeeded, timeout=20000):
        dialog.start_training()
    return dialog


def test_a_worse_model_is_called_worse_and_offered_only_anyway(qtbot, fake_cli):
    dialog = _retrained(qtbot, fake_cli, new=(0.996, 0.90), current=(0.995, 0.97))
    assert "worse than the current model (robust)" in dialog.result.verdict.text()
    assert "pen digits, worst brush width" in dialog.result.verdict.text()
    assert dialog.result.use_button.text() == "Use it anyway"


def test_the_bar_moves_while_loading(qtbot, fake_cli):
    program = fake_cli("time.sleep(60)")
    dialog = RetrainDialog(program=program)
    qtbot.addWidget(dialog)
    shown = []
    dialog.run.staged.connect(lambda event: shown.append((dialog.progress.value(), dialog.progress.format())))
    with qtbot.waitSignal(dialog.run.staged, timeout=20000):
        dialog.start_training()
    assert shown[0][0] == 500 and "loading MNIST" in shown[0][1]
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()


def test_cancel_keeps_the_model_and_leaves_no_file(qtbot, fake_cli):
    dialog = RetrainDialog(program=fake_cli("time.sleep(60)"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.run.progress, timeout=20000):
        dialog.start_training()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_button.click()
    assert "cancelled" in dialog.status.text() and dialog.start_button.isEnabled()
    assert not list(paths.user_models_dir().glob("*")), "no model file, no temp file"


def test_killed_training_is_reported_and_harmless(qtbot, fake_cli):
    dialog = RetrainDialog(program=fake_cli("os.kill(os.getpid(), signal.SIGKILL)"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.run.failed, timeout=20000):
        dialog.start_training()
    assert "was killed" in dialog.status.text() and "unchanged" in dialog.status.text()
    assert not list(paths.user_models_dir().glob("*.pt"))


def test_only_one_run_at_a_time(qtbot, fake_cli):
    dialog = RetrainDialog(program=fake_cli("time.sleep(60)"))
    qtbot.addWidget(dialog)
    assert dialog.start_training()
    assert not dialog.start_training()
    assert "one at a time" in dialog.status.text()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()


def test_offline_without_data_offers_to_pick_a_folder(qtbot, fake_cli):
    dialog = RetrainDialog(program=fake_cli(
        "say(event='error', message='MNIST is not in /nowhere and cannot be downloaded (offline)'); sys.exit(2)"))
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.run.failed, timeout=20000):
        dialog.start_training()
    assert "Choose…" in dialog.status.text() and "offline" in dialog.status.text()


def test_corrections_are_offered_and_finetune_starts_from_the_current_model(qtbot, fake_cli):
    program = fake_cli("time.sleep(60)")
    dialog = RetrainDialog(program=program)
    qtbot.addWidget(dialog)
    dialog.set_corrections_count(3)
    assert not dialog.finetune_button.isEnabled(), "no model in use: nothing to fine-tune"
    assert not dialog.start_finetune() and "No model is in use" in dialog.status.text()
    dialog.set_current_model("current", "/models/current.pt", {})
    dialog.set_corrections_count(0)
    assert not dialog.finetune_button.isEnabled()
    assert dialog.recipe().corrections is None
    dialog.set_corrections_count(3)
    assert dialog.recipe().corrections == str(paths.corrections_file())
    dialog.network.setCurrentIndex(dialog.network.findData("padnet4"))
    assert dialog.recipe().arch == "padnet4"
    assert dialog.start_finetune()
    qtbot.waitUntil(lambda: (Path(program[1]).parent / "argv.json").exists(), timeout=20000)
    argv = argv_of_run(program)
    assert argv[argv.index("--init") + 1] == "/models/current.pt"
    assert argv[argv.index("--corrections") + 1] == str(paths.corrections_file())
    assert argv[argv.index("--time-budget") + 1] == "30" and "About 30 seconds" in dialog.finetune_button.toolTip()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()


def test_a_combined_model_is_given_a_fine_tune_budget_for_each_of_its_networks(qtbot, fake_cli):
    """The default model averages two networks (training/combine.py): each is fine-tuned, evaluated and
    checked, so 30 s would be refused as too short ("give it at least 60 s"); it gets 30 s a network."""
    program = fake_cli("time.sleep(60)")
    dialog = RetrainDialog(program=program)
    qtbot.addWidget(dialog)
    dialog.set_corrections_count(3)
    dialog.set_current_model("robust", "/models/robust.pt", {"arch": "padnet4x2", "members": [{}, {}]})
    assert "About 60 seconds" in dialog.finetune_button.toolTip()
    assert dialog.start_finetune()
    qtbot.waitUntil(lambda: (Path(program[1]).parent / "argv.json").exists(), timeout=20000)
    argv = argv_of_run(program)
    assert argv[argv.index("--time-budget") + 1] == "60"
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()


def test_esc_hides_the_dialog_but_says_the_run_goes_on(qtbot, fake_cli):
    dialog = RetrainDialog(program=fake_cli("time.sleep(60)"))
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.run.progress, timeout=20000):
        dialog.start_training()
    with qtbot.waitSignal(dialog.hidden_while_running):
        QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.run.running and not dialog.isVisible()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()


def test_correction_bar_emits_the_digit(qtbot):
    bar = CorrectionBar()
    qtbot.addWidget(bar)
    with qtbot.waitSignal(bar.label_chosen) as chosen:
        bar.findChild(QToolButton, "correct7").click()
    assert chosen.args == [7]


def test_my_drawings_lists_skips_damage_and_deletes(qtbot, tmp_path):
    path = tmp_path / "c.jsonl"
    for label in (1, 2, 3):
        corrections.append(path, corrections.make(STROKES, label, 12.0, 280))
    with open(path, "a") as file:
        file.write('{"label": 4, "strok')
    dialog = MyDrawingsDialog(path)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.list.count() == 3)
    assert "1 damaged line" in dialog.summary.text()
    dialog.list.item(1).setSelected(True)
    with qtbot.waitSignal(dialog.changed) as changed:
        dialog.delete_selected()
    assert changed.args == [2]
    assert [r.label for r in corrections.load(path)[0]] == [1, 3]


def test_a_model_below_the_one_in_use_on_mnist_alone_is_called_worse(qtbot, fake_cli):
    # As a 60 s run on a busy machine may end: fine on pen digits, below the model in use on MNIST test.
    dialog = _retrained(qtbot, fake_cli, new=(0.9885, 0.975), current=(0.9932, 0.972), seconds=64)
    verdict = dialog.result.verdict.text()
    assert "worse than the current model (robust)" in verdict and "MNIST test accuracy" in verdict
    assert "pen digits" not in verdict and dialog.result.use_button.text() == "Use it anyway"


def test_a_finetune_shows_the_users_drawings_before_and_after_before_switching(qtbot, fake_cli):
    program = fake_cli("""
        open(out, "wb").write(b"weights")
        say(event="done", path=out, seconds=30,
            figures={"mnist_test_accuracy": 0.9921, "corrections_accuracy": 0.9467},
            baseline={"mnist_test_accuracy": 0.9932, "corrections_accuracy": 0.1429})
    """)
    dialog = RetrainDialog(program=program)
    qtbot.addWidget(dialog)
    dialog.set_current_model("robust", "/models/robust.pt", {"figures": {"mnist_test_accuracy": 0.9932}})
    dialog.set_corrections_count(35)
    with qtbot.waitSignal(dialog.run.succeeded, timeout=20000):
        assert dialog.start_finetune()
    texts = [dialog.result.grid.itemAt(i).widget().text() for i in range(dialog.result.grid.count())]
    row = texts.index("your drawings, mean over widths")
    assert texts[row + 1:row + 3] == ["14.29%", "94.67%"], "before and after, shown before any switch"
    assert "<b>before (robust)</b>" in texts and dialog.result.use_button.isEnabled()


def test_progress_reports_repaint_the_curves_not_the_axes(qtbot, monkeypatch):
    """The chart's ranges change only when a loss passes the top of its axis: its axes and grid are painted
    once, not at every progress report (replaying them cost 3 of a report's 5 ms on the UI thread while
    drawing, with the machine busy training)."""
    import pyqtgraph as pg

    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    dialog.resize(520, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    painted = []
    original = pg.AxisItem.paint
    monkeypatch.setattr(pg.AxisItem, "paint", lambda axis, *args: (painted.append(axis), original(axis, *args)))
    dialog.chart.plot.viewport().grab()
    first = len(painted)
    assert first >= 3  # accuracy, loss and progress
    dialog._on_progress({"fraction": 0.05, "loss": 2.3, "accuracy": 0.1, "eta_s": 60})  # a new network's first
    dialog.chart.plot.viewport().grab()
    for step in range(1, 6):
        dialog._on_progress({"fraction": step / 10, "loss": 1 / (step + 1), "accuracy": 0.9, "eta_s": 10})
        dialog.chart.plot.viewport().grab()
    assert len(painted) == first


def test_the_training_chart_reads_accuracy_in_percent_and_the_loss_on_its_own_axis_with_the_legend_below(qtbot):
    """Loss (~2.3 at the start) and accuracy (0..1) shared one 0..1 axis: the loss began off the chart, the
    accuracy read "0.9" beside the main window's percentages, and the legend sat over the accuracy curve
    where it ends, near 100%, in the top right corner."""
    from mnist_pad.ui.legend_row import LegendRow

    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    dialog.resize(520, 560)
    dialog.show()
    qtbot.waitExposed(dialog)
    chart, plot = dialog.chart, dialog.chart.plot.getPlotItem()
    assert chart.placeholder.isVisible(), "says what will be there before a run"
    layout_before = (chart.plot.geometry(), chart.legend_row.geometry())
    for step in range(10):
        dialog._on_progress({"fraction": (step + 1) / 10, "loss": 2.3 / (step + 1), "accuracy": 0.1 + step / 10,
                             "eta_s": 10})
    assert not chart.placeholder.isVisible() and plot.getAxis("left").isVisible() and plot.getAxis("right").isVisible()
    assert (chart.plot.geometry(), chart.legend_row.geometry()) == layout_before, \
        "no new layout at the first report (it stalled drawing for 20-33 ms)"
    left = plot.getAxis("left")
    labels = [text for level in left._tickLevels for _, text in level]
    assert labels == ["0%", "25%", "50%", "75%", "100%"]
    low, high = chart.loss_view.viewRange()[1]
    assert low <= 0 and high >= 2.3, "the highest loss is on the chart"
    assert plot.legend is None, "no legend inside the plot"
    legend = dialog.findChild(LegendRow)
    assert legend.isVisible() and [label for _, label, _ in legend.entries] == ["training accuracy", "loss"]
    assert legend.geometry().top() >= chart.plot.geometry().bottom(), "under the chart"
    dialog.chart.clear()
    assert chart.placeholder.isVisible() and not chart.loss_curve.getData()[0].size, "blank again for the next run"
