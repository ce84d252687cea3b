"""Learning from the running app: corrections, retrain → swap → rollback, failures that change nothing."""
from __future__ import annotations

import sys
import textwrap

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from mnist_pad import corrections, paths
from PySide6.QtWidgets import QMessageBox
from test_ui import BAR, SEVEN, drag, open_window



@pytest.fixture
def window(qtbot, tiny_model_path):
    window = open_window(qtbot, tiny_model_path)
    qtbot.waitUntil(lambda: window.model_info is not None, timeout=15000)
    return window


def fake_training(window, tmp_path, tail: str) -> None:
    """Make Retrain… run a stand-in for the training CLI: progress events, then `tail`."""
    script = tmp_path / "fake_train.py"
    script.write_text(textwrap.dedent("""
        import json, shutil, sys
        out = sys.argv[sys.argv.index("--out") + 1]
        def say(**event):
            print(json.dumps(event), flush=True)
        say(event="start", arch="padnet", device="cpu")
        say(event="progress", fraction=0.5, eta_s=65, loss=0.3, accuracy=0.9, epoch=1)
    """) + textwrap.dedent(tail))
    window.learning.training_program = (sys.executable, str(script))


def test_a_correction_saves_strokes_label_and_width(qtbot, window):
    assert not window.learning.save_correction(3), "nothing drawn, nothing saved"
    drag(window, SEVEN)
    drag(window, BAR)
    window.set_brush_width(20)
    QTest.keySequence(window, QKeySequence("Ctrl+7"))
    records, skipped = corrections.load(paths.corrections_file())
    assert skipped == 0 and len(records) == 1
    assert records[0].label == 7 and records[0].brush_width == 20 and len(records[0].strokes) == 2
    assert "Saved as a 7" in window.statusBar().currentMessage()
    assert len(window.canvas.strokes()) == 2, "the drawing stays"


def test_retrain_swap_and_rollback(qtbot, window, tiny_model_path, tmp_path):
    fake_training(window, tmp_path, f"""
        from pathlib import Path
        from mnist_pad.engine import file_sha256
        tiny, out = Path({str(tiny_model_path)!r}), Path(out)
        shutil.copyfile(tiny, out)  # the checkpoint and its ONNX form, as training saves them
        shutil.copyfile(tiny.with_suffix(".onnx"), out.with_suffix(".onnx"))
        described = json.loads(tiny.with_suffix(".json").read_text())
        described["onnx"]["file"] = out.with_suffix(".onnx").name
        described["source"] = {{"file": out.name, "sha256": file_sha256(out)}}
        out.with_suffix(".json").write_text(json.dumps(described))
        say(event="done", path=str(out), figures={{"mnist_test_accuracy": 0.99}}, seconds=1)
    """)
    before = window.model_info.source
    window.retrain_action.trigger()
    dialog = window.learning.retrain_dialog
    assert dialog.isVisible() and dialog.objectName() == "retrainDialog"
    with qtbot.waitSignal(dialog.run.succeeded, timeout=20000):
        dialog.start_button.click()
    qtbot.waitUntil(lambda: len(window.saved_models) == 1, timeout=10000)
    new_path = window.saved_models[0].path
    assert new_path.startswith(str(paths.user_models_dir()))
    assert "Training finished: MNIST 99.00%" in window.learning.training_status.label.text()
    with qtbot.waitSignal(window.model_changed, timeout=15000):
        dialog.result.use_button.click()
    assert not dialog.result.use_button.isEnabled()
    assert window.model_info.source == new_path
    with qtbot.waitSignal(window.model_changed, timeout=15000):
        window.model_menu.model_chosen.emit(before)  # Model menu → the previous model
    assert window.model_info.source == before


def test_a_failed_save_keeps_the_current_model_and_no_file(qtbot, window, tmp_path):
    fake_training(window, tmp_path, """
        say(event="error", message="cannot save the model: [Errno 28] No space left on device")
        sys.exit(1)
    """)
    before = window.model_info
    dialog = window.learning.open_retrain()
    with qtbot.waitSignal(dialog.run.failed, timeout=20000):
        dialog.start_training()
    assert "No space left" in dialog.status.text()
    assert window.model_info is before
    assert not list(paths.user_models_dir().glob("*"))


def test_my_drawings_and_accuracy_are_in_the_model_menu(qtbot, window):
    names = [action.objectName() for action in window.model_menu.actions()]
    assert {"actionMyDrawings", "actionAccuracy", "actionRetrain"} <= set(names)
    drag(window, SEVEN)
    window.learning.save_correction(1)
    dialog = window.learning.open_my_drawings()
    qtbot.waitUntil(lambda: dialog.list.count() == 1)
    accuracy = window.learning.open_accuracy()
    labels = [accuracy.first.itemText(i) for i in range(accuracy.first.count())]
    assert "robust" in labels and "plain" in labels


def test_a_correction_that_cannot_be_saved_is_told_and_the_drawing_stays(qtbot, window, monkeypatch):
    def unwritable(path, record):
        raise corrections.CorrectionsError(f"cannot save the correction to {path}: Permission denied")

    monkeypatch.setattr(corrections, "append", unwritable)
    drag(window, SEVEN)
    assert not window.learning.save_correction(4)
    assert "Permission denied" in window.error_box.text() and "still on the canvas" in window.error_box.text()
    assert window.canvas.strokes()


def test_a_run_in_the_background_shows_in_the_status_bar_and_quitting_asks(qtbot, window, tmp_path, monkeypatch):
    fake_training(window, tmp_path, "import time; time.sleep(60)")
    dialog = window.learning.open_retrain()
    with qtbot.waitSignal(dialog.run.progress, timeout=20000):
        dialog.start_training()
    dialog.reject()  # Esc
    status = window.learning.training_status
    assert status.isVisibleTo(window) and "Training 50% · ETA 1:05" in status.label.text()
    status.button.click()
    assert dialog.isVisible(), "the status bar reopens the dialog"
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a) or QMessageBox.StandardButton.No)
    assert not window.close(), "the user chose to keep training"
    assert asked and dialog.run.running
    with qtbot.waitSignal(dialog.run.cancelled, timeout=20000):
        dialog.cancel_training()
    assert not status.isVisibleTo(window)


def test_a_saved_model_can_be_deleted_but_not_the_one_in_use(qtbot, window, tiny_model_path, monkeypatch):
    import shutil

    paths.user_models_dir().mkdir(parents=True)
    saved = paths.user_models_dir() / "retrained-v1-20250101-000000.pt"
    shutil.copyfile(tiny_model_path, saved)
    window.refresh_saved_models()
    qtbot.waitUntil(lambda: len(window.saved_models) == 1, timeout=10000)
    actions = window.model_menu.delete_menu.actions()
    assert len(actions) == 1 and "robust" not in actions[0].text(), "shipped models are never offered"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    actions[0].trigger()
    assert saved.exists(), "declined: nothing deleted"
    assert not window.learning.delete_saved_model(str(tiny_model_path)), "only the user's models folder"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.model_changed, timeout=15000):
        window.load_model(saved)
    assert not window.learning.delete_saved_model(str(saved)) and saved.exists(), "not the model in use"
    with qtbot.waitSignal(window.model_changed, timeout=15000):
        window.load_model(tiny_model_path)
    assert window.learning.delete_saved_model(str(saved)) and not saved.exists()
    qtbot.waitUntil(lambda: not window.saved_models, timeout=10000)
