"""The GUI's training process: progress, success, cancel, crash and kill are all reported, never fatal."""
from __future__ import annotations

import sys
import textwrap

import pytest

from mnist_pad.ui.training_process import TrainingRun

pytest.importorskip("pytestqt")


def fake_training(tmp_path, body: str) -> list[str]:
    """A stand-in for the training CLI: a script printing JSON events, then doing `body`."""
    script = tmp_path / "fake_train.py"
    script.write_text(textwrap.dedent("""
        import json, os, signal, sys, time
        out = sys.argv[1]
        def say(**event):
            print(json.dumps(event), flush=True)
        say(event="start", arch="padnet", epochs=1)
        for i in range(3):
            say(event="progress", fraction=(i + 1) / 4, eta_s=1.0, loss=1.0 / (i + 1), accuracy=0.5)
    """) + textwrap.dedent(body))
    return [sys.executable, str(script)]


def test_success_reports_progress_and_the_done_event(qtbot, tmp_path):
    out = tmp_path / "model.pt"
    command = fake_training(tmp_path, """
        open(out, "wb").write(b"model")
        say(event="done", path=out, figures={"mnist_test_accuracy": 0.99}, seconds=1.0)
    """) + [str(out)]
    run = TrainingRun()
    seen = []
    run.progress.connect(seen.append)
    with qtbot.waitSignal(run.succeeded, timeout=20000) as done:
        assert run.start(command, out)
        assert not run.start(command, out), "one run at a time"
    assert done.args[0]["figures"]["mnist_test_accuracy"] == 0.99
    assert [e["fraction"] for e in seen] == [0.25, 0.5, 0.75]
    assert not run.running


def test_cancel_stops_the_process_and_leaves_no_file(qtbot, tmp_path):
    out = tmp_path / "model.pt"
    command = fake_training(tmp_path, """
        signal.signal(signal.SIGTERM, lambda *a: (say(event="cancelled", message="stopped"), sys.exit(130)))
        open(os.path.join(os.path.dirname(out), "." + os.path.basename(out) + ".x.tmp"), "w").write("partial")
        time.sleep(60)
    """) + [str(out)]
    run = TrainingRun()
    with qtbot.waitSignal(run.progress, timeout=20000):
        run.start(command, out)
    with qtbot.waitSignal(run.cancelled, timeout=20000):
        run.cancel()
    assert list(tmp_path.glob("*model.pt*")) == []


@pytest.mark.parametrize("body, words", [
    ("os.kill(os.getpid(), signal.SIGKILL)", "was killed"),
    ("raise SystemExit(3)", "exit code 3"),
    ("say(event='error', message='No space left on device while saving'); sys.exit(1)", "No space left"),
])
def test_crash_kill_and_errors_are_reported_in_words(qtbot, tmp_path, body, words):
    out = tmp_path / "model.pt"
    run = TrainingRun()
    with qtbot.waitSignal(run.failed, timeout=20000) as failure:
        run.start(fake_training(tmp_path, body) + [str(out)], out)
    assert words in failure.args[0]
    assert not out.exists() and not run.running


def test_a_program_that_cannot_start_is_reported(qtbot, tmp_path):
    run = TrainingRun()
    with qtbot.waitSignal(run.failed, timeout=10000) as failure:
        run.start([str(tmp_path / "no-such-program")], tmp_path / "m.pt")
    assert "could not be started" in failure.args[0]
