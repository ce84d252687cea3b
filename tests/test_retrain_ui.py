"""Retraining from the GUI (with a stand-in training program) and the My drawings dialog."""
from __future__ import annotations

import sys
import textwrap

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from mnist_pad import corrections, paths
from mnist_pad.ui import retrain_dialog
from mnist_pad.ui.corrections_view import CorrectionBar, MyDrawingsDialog
from mnist_pad.ui.retrain_dialog import RetrainDialog

STROKES = [[(60.0, 60.0), (200.0, 60.0), (120.0, 230.0)]]


@pytest.fixture
def fake_cli(tmp_path, monkeypatch):
    """Replace the training CLI with a script; `behaviour` is its tail after the progress events."""
    def install(behaviour: str) -> list[list[str]]:
        script = tmp_path / "fake_train.py"
        script.write_text(textwrap.dedent("""
            import json, os, signal, sys, time
            out = sys.argv[sys.argv.index("--out") + 1]
            def say(**event):
                print(json.dumps(event), flush=True)
            signal.signal(signal.SIGTERM, lambda *a: (say(event="cancelled", message="stopped"), sys.exit(130)))
            say(event="start", arch="padnet", device="cpu")
            for i in range(4):
                say(event="progress", fraction=(i + 1) / 5, eta_s=4 - i, loss=1 / (i + 1), accuracy=0.9, epoch=0, step=i)
        """) + textwrap.dedent(behaviour))
        commands = []

        def command(out, options):
            commands.append(options)
            return [sys.executable, str(script), "--out", str(out), *options]
        monkeypatch.setattr(retrain_dialog, "training_command", command)
        return commands
    return install


def test_start_shows_progress_and_ends_with_a_swap_offer(qtbot, fake_cli):
    commands = fake_cli("""
        open(out, "wb").write(b"weights")
        say(event="done", path=out, figures={"mnist_test_accuracy": 0.991}, seconds=1)
    """)
    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    dialog.set_current_model("robust.pt", {"name": "robust", "figures": {"mnist_test_accuracy": 0.995}})
    dialog.budget.setValue(60)
    progress_values = []
    dialog.run.progress.connect(lambda e: progress_values.append(dialog.progress.value()))
    with qtbot.waitSignal(dialog.run.succeeded, timeout=20000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert progress_values == [200, 400, 600, 800]
    assert "--time-budget" in commands[0] and "60" in commands[0]
    assert dialog.result.isVisibleTo(dialog)
    texts = [dialog.result_grid.itemAt(i).widget().text() for i in range(dialog.result_grid.count())]
    assert "99.50%" in texts and "99.10%" in texts
    with qtbot.waitSignal(dialog.use_model) as chosen:
        dialog.use_button.click()
    assert chosen.args[0].startswith(str(paths.user_models_dir()))


def test_cancel_keeps_the_model_and_leaves_no_file(qtbot, fake_cli):
    fake_cli("time.sleep(60)")
    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.run.progress, timeout=20000):
        dialog.start_training()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_button.click()
    assert "cancelled" in dialog.status.text() and dialog.start_button.isEnabled()
    assert not list(paths.user_models_dir().glob("*")), "no model file, no temp file"


def test_killed_training_is_reported_and_harmless(qtbot, fake_cli):
    fake_cli("os.kill(os.getpid(), signal.SIGKILL)")
    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.run.failed, timeout=20000):
        dialog.start_training()
    assert "was killed" in dialog.status.text() and "unchanged" in dialog.status.text()
    assert not list(paths.user_models_dir().glob("*.pt"))


def test_only_one_run_at_a_time(qtbot, fake_cli):
    fake_cli("time.sleep(60)")
    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    assert dialog.start_training()
    assert not dialog.start_training()
    assert "one at a time" in dialog.status.text()
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()


def test_offline_without_data_offers_to_pick_a_folder(qtbot, fake_cli):
    fake_cli("say(event='error', message='MNIST is not in /nowhere and cannot be downloaded (offline)'); sys.exit(2)")
    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.run.failed, timeout=20000):
        dialog.start_training()
    assert "Choose…" in dialog.status.text() and "offline" in dialog.status.text()


def test_corrections_are_offered_and_finetune_starts_from_the_current_model(qtbot, fake_cli):
    commands = fake_cli("time.sleep(60)")
    dialog = RetrainDialog()
    qtbot.addWidget(dialog)
    dialog.set_current_model("/models/current.pt", {})
    dialog.set_corrections_count(0)
    assert not dialog.finetune_button.isEnabled()
    assert "--corrections" not in dialog.recipe_options()
    dialog.set_corrections_count(3)
    assert "--corrections" in dialog.recipe_options()
    assert dialog.start_finetune()
    assert commands[0][:2] == ["--init", "/models/current.pt"]
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
