"""The training CLI end to end (tiny runs), cancel, save failures, data checks, shipped models."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from mnist_pad import checkpoint, corrections, files
from mnist_pad.recognizer import Recognizer
from mnist_pad.recipe import Recipe
from training import cache, data, evaluate, options, train

ROOT = Path(__file__).resolve().parents[1]


def events_of(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_tiny_run_reports_json_progress_and_saves_a_loadable_model(shared_data, tmp_path):
    out = tmp_path / "tiny.pt"
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text(json.dumps({"strokes": [[[140, 40], [140, 240]]], "label": 1,
                                       "brush_width": 12.0, "canvas_size": 280}) + "\n")
    command = [sys.executable, "-m", "training", "--data-dir", str(shared_data), "--limit", "400", "--epochs", "2",
               "--batch-size", "100", "--pendigits", "none", "--corrections", str(corrections),
               "--progress", "json", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    events = events_of(result.stdout)  # every stdout line must be a JSON object
    kinds = [e["event"] for e in events]
    assert kinds[0] == "stage" and kinds[-1] == "done" and "eval" in kinds, "the first event comes before loading"
    assert kinds.index("stage") < kinds.index("start") < kinds.index("progress")
    start = events[kinds.index("start")]
    assert set(start) == {"event", "arch", "epochs", "time_budget", "device", "train_size"}
    progress = [e for e in events if e["event"] == "progress"]
    assert progress and set(progress[0]) == {"event", "fraction", "eta_s", "epoch", "step", "loss", "accuracy",
                                             "images_per_s", "threads"}
    assert all(0 <= e["fraction"] <= 1 for e in progress)
    done = events[-1]
    assert Path(done["path"]) == out.resolve() and 0 <= done["figures"]["mnist_test_accuracy"] <= 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix != ".jsonl") == ["tiny.json", "tiny.onnx", "tiny.pt"], \
        "the checkpoint, its ONNX form, and no temp files"
    recognizer = Recognizer.load(out)
    card = recognizer.card
    assert card["recipe"]["command"].startswith("python -m training ") and card["preprocess_version"] >= 1
    assert any("corrections" in used for used in card["training_data"])
    assert card["trained_on"].endswith(f"(cpu), PyTorch {torch.__version__}"), "the card names the machine"


def test_sigterm_cancels_cleanly_and_leaves_no_file(shared_data, tmp_path):
    out = tmp_path / "cancelled.pt"
    command = [sys.executable, "-m", "training", "--data-dir", str(shared_data), "--limit", "3000", "--epochs", "50", "--batch-size", "32",
               "--pendigits", "none", "--progress", "json", "--out", str(out)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            if json.loads(line)["event"] == "progress":
                break
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert events_of(rest)[-1]["event"] == "cancelled"
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_while_saving_is_an_error_and_keeps_the_old_file(shared_data, tmp_path, monkeypatch, capsys):
    out = tmp_path / "model.pt"
    out.write_bytes(b"the old model")

    failed_writes = []

    class FullDisk:
        """os as mnist_pad.files sees it, on a disk that fills up as a file is made durable."""

        def __getattr__(self, name):
            return getattr(os, name)

        def fsync(self, fd):
            failed_writes.append(os.readlink(f"/proc/self/fd/{fd}"))
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "os", FullDisk())  # only the atomic writes, where every file is saved
    code = train.main(["--data-dir", str(shared_data), "--limit", "200", "--epochs", "1", "--pendigits", "none",
                       "--progress", "json", "--out", str(out)])
    assert code == 1
    last = events_of(capsys.readouterr().out)[-1]
    assert last["event"] == "error" and "No space left on device" in last["message"]
    assert out.read_bytes() == b"the old model"
    assert [p.name for p in tmp_path.iterdir()] == ["model.pt"]
    assert Path(failed_writes[-1]).name.startswith(".model.pt.")  # what stopped the run: the model's own write


def test_corrupted_mnist_files_are_refused_with_a_clear_message(tmp_path):
    raw = data.raw_dir(tmp_path)
    raw.mkdir(parents=True)
    for name in data.RAW_SHA256:
        (raw / name).write_bytes(b"\x00\x00\x08\x03" + bytes(100))
    with pytest.raises(data.DataError, match="corrupted or truncated"):
        data.load_mnist(tmp_path, train=True)


def test_the_cli_reports_bad_data_as_an_error_event(tmp_path, capsys):
    raw = data.raw_dir(tmp_path)
    raw.mkdir(parents=True)
    for name in data.RAW_SHA256:
        (raw / name).write_bytes(b"garbage")
    code = train.main(["--data-dir", str(tmp_path), "--epochs", "1", "--progress", "json", "--out", str(tmp_path / "m.pt")])
    assert code == 2
    last = events_of(capsys.readouterr().out)[-1]
    assert last["event"] == "error" and "train-images-idx3-ubyte" in last["message"]
    assert not (tmp_path / "m.pt").exists()


def test_missing_files_offline_name_the_four_files_and_the_folder(tmp_path):
    with pytest.raises(data.DataError) as error:
        data.load_mnist(tmp_path, train=False, download=False)
    message = str(error.value)
    assert str(data.raw_dir(tmp_path)) in message
    assert all(name in message for name in data.RAW_SHA256)


@pytest.mark.parametrize("name", ["robust", "plain"])
def test_shipped_models_reach_their_cards_mnist_figure(shared_data, name):
    recognizer = Recognizer.load(name)
    card = recognizer.card
    assert card["name"] == name and card["preprocess_version"] >= 1 and card["recipe"]["command"]
    images, labels = data.load_mnist(shared_data, train=False, download=False)
    accuracy = evaluate.mnist_accuracy(recognizer, images, labels)
    assert accuracy >= card["figures"]["mnist_test_accuracy"] - 0.0005
    assert accuracy >= 0.98


def test_evaluate_prints_json_with_every_section(shared_data, tiny_model_path, capsys):
    code = evaluate.main(["--model", str(tiny_model_path), "--data-dir", str(shared_data), "--limit", "60", "--json"])
    assert code == 0
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])["figures"]  # after the progress lines
    assert 0 <= figures["mnist_test_accuracy"] <= 1
    assert {f"mnist_morph{k:+d}_accuracy" for k in evaluate.THICKNESS_LEVELS} <= set(figures)
    if "pendigits_set" in figures:
        assert "held-out writers" in figures["pendigits_set"]
        assert {f"pendigits_w{w}_accuracy" for w in evaluate.BRUSH_WIDTHS} <= set(figures)


def test_the_tutorials_whole_canvas_resize_loses_to_mnist_preprocessing_on_pen_digits(pendigits_file):
    figures = evaluate.evaluate_model(Recognizer.load("plain"), None, pendigits_file, limit=300, tutorial_pipeline=True)
    for width in evaluate.BRUSH_WIDTHS:
        assert figures[f"pendigits_tutorial_w{width}_accuracy"] < figures[f"pendigits_w{width}_accuracy"] - 0.05
    assert "tutorials'" in evaluate.format_table("plain", figures)


def test_fine_tuning_starts_from_a_checkpoint_and_keeps_its_architecture(shared_data, tiny_model_path, tmp_path, capsys):
    out = tmp_path / "finetuned.pt"
    # The budget only caps the two epochs; it is wide because this test may be the session's first to
    # render the pen-digit bank (a cold cache: 10-26 s here), which the budget counts. At 30 s a slow
    # minute refused it as too short, as a budget should.
    code = train.main(["--data-dir", str(shared_data), "--limit", "200", "--epochs", "2", "--time-budget", "120", "--arch", "tutorial",
                       "--init", str(tiny_model_path), "--progress", "json", "--out", str(out)])
    assert code == 0
    assert events_of(capsys.readouterr().out)[-1]["event"] == "done"
    card = checkpoint.load(out).card
    assert card["arch"] == "padnet" and "fine-tuned from" in card["description"] and card["recipe"]["lr"] == options.LR_FINETUNE


def test_training_and_evaluation_started_by_the_app_run_below_its_priority(tmp_path):
    from mnist_pad.ui.accuracy_dialog import evaluation_command
    from mnist_pad.ui.training_process import training_command

    assert "--low-priority" in training_command(Recipe(), tmp_path / "m.pt")
    assert "--low-priority" in evaluation_command("robust", str(tmp_path), str(tmp_path / "c.jsonl"))
    # A thread started before the call (as imports start them) is lowered too, and so is one started after.
    probe = ("import os, threading, time; from training.priority import lower_priority\n"
             "def policy(): ids.append(os.sched_getscheduler(0) == os.SCHED_IDLE if hasattr(os, 'SCHED_IDLE') else False); time.sleep(0.3)\n"
             "ids = []; early = threading.Thread(target=lambda: (time.sleep(0.2), policy())); early.start()\n"
             "lower_priority(); late = threading.Thread(target=policy); late.start(); early.join(); late.join()\n"
             "print(os.sched_getscheduler(0) == os.SCHED_IDLE if hasattr(os, 'SCHED_IDLE') else False, all(ids), os.nice(0))")
    idle, threads_idle, niceness = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                                                  text=True, check=True).stdout.split()
    assert (idle, threads_idle) == ("True", "True") or int(niceness) >= 10


def test_a_time_budget_too_small_to_train_is_refused_in_words(shared_data, tmp_path, capsys):
    out = tmp_path / "never.pt"
    code = train.main(["--data-dir", str(shared_data), "--limit", "200", "--time-budget", "1", "--progress", "json", "--out", str(out)])
    assert code == 2 and not out.exists()
    error = events_of(capsys.readouterr().out)[-1]
    assert error["event"] == "error" and "too short on this machine" in error["message"] and "at least" in error["message"]


def run_cli(args: list[str]) -> tuple[subprocess.CompletedProcess, float, list[dict]]:
    """The training CLI as the app runs it, choosing its own thread count (training/threads.py)."""
    begun = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "training", "--progress", "json", *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    return result, time.perf_counter() - begun, events_of(result.stdout)


def test_a_simulated_slow_machine_is_refused_within_the_budget_and_saves_nothing(shared_data, tmp_path):
    out = tmp_path / "slow.pt"
    result, seconds, events = run_cli(["--data-dir", str(shared_data), "--limit", "3000", "--pendigits", "none",
                                       "--time-budget", "20", "--step-delay", "0.5", "--out", str(out)])
    assert result.returncode == 2 and not out.exists() and list(tmp_path.iterdir()) == []
    assert seconds <= 20 * 1.1
    message = events[-1]["message"]
    assert events[-1]["event"] == "error" and "too short on this machine" in message
    assert int(message.split("at least ")[1].split(" s")[0]) > 20, "names a budget that would work"


def test_a_budget_holds_on_a_slowed_machine_and_the_schedule_uses_it(shared_data, tmp_path):
    out = tmp_path / "slowed.pt"
    result, seconds, events = run_cli(["--data-dir", str(shared_data), "--limit", "1024", "--pendigits", "none",
                                       "--batch-size", "64", "--time-budget", "40", "--step-delay", "0.02", "--out", str(out)])
    assert result.returncode == 0, result.stdout[-1000:] + result.stderr[-1000:]
    assert seconds <= 40 * 1.1, "the whole command, start-up and evaluation included, fits the budget"
    assert events[0]["event"] == "stage", "progress from the start"
    fractions = [e["fraction"] for e in events if e["event"] == "progress"]
    assert fractions == sorted(fractions) and fractions[-1] > 0.9, "the schedule ran to its end within the budget"
    assert events[-1]["event"] == "done" and out.exists()


def test_derived_data_is_cached_and_a_damaged_cache_is_rebuilt(tmp_path):
    key = {"source": "x", "version": 1}
    built = []

    def build():
        built.append(1)
        return {"images": np.arange(12, dtype=np.uint8).reshape(3, 4)}
    first = cache.cached("bank", key, build)
    second = cache.cached("bank", key, build)
    assert len(built) == 1 and np.array_equal(first["images"], second["images"])
    path = cache.entry_path("bank", key)
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    notes = []
    third = cache.cached("bank", key, build, notes.append)
    assert len(built) == 2 and np.array_equal(third["images"], first["images"]) and "damaged" in notes[0]
    assert cache.entry_path("bank", dict(key, version=2)) != path, "a new key is a new entry"


def test_the_pen_digit_bank_comes_from_the_cache_the_second_time(pendigits_file, monkeypatch):
    first = data.pen_digit_bank(pendigits_file, 1, seed=3)
    monkeypatch.setattr(data, "render_bank", lambda *a, **k: pytest.fail("rendered again despite the cache"))
    second = data.pen_digit_bank(pendigits_file, 1, seed=3)
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])


def test_the_recipe_round_trips_through_the_command_line(tmp_path):
    drawings = tmp_path / "c.jsonl"  # the command line checks that the user's drawings are there and readable
    corrections.append(drawings, corrections.make([[(10.0, 10.0), (200.0, 200.0)]], 1, 12.0, 280))
    recipe = Recipe(data_dir="/d", time_budget=60.0, augment="thickness", corrections=str(drawings), init="/m.pt",
                    arch="padnet", pen_widths=2)
    assert Recipe.from_args(train.parse_args(recipe.to_argv())) == replace(recipe, lr=options.LR_FINETUNE, batch_size=options.BATCH)
    assert train.parse_args(Recipe(time_budget=60.0).to_argv()).batch_size == options.BATCH_BUDGETED
    assert train.parse_args(Recipe(time_budget=60.0).to_argv()).arch == "padnet", "quicker to learn within minutes"
    assert train.parse_args(Recipe().to_argv()).arch == "padnet4", "the shipped default's network"
    assert train.parse_args(Recipe(time_budget=60.0, arch="padnet4").to_argv()).arch == "padnet4"
    assert "--init" not in Recipe(time_budget=60.0).to_argv()
    with pytest.raises(ValueError, match="none is loaded"):
        Recipe.finetune("", "/c.jsonl")


def test_pen_digits_are_rendered_at_as_many_widths_as_the_recipe_asks(shared_data, pendigits_file, monkeypatch):
    asked = []

    def bank(path, widths, seed, **options):
        asked.append(widths)
        return torch.zeros((widths * 3, 28, 28), dtype=torch.uint8), torch.zeros(widths * 3, dtype=torch.int64)

    monkeypatch.setattr(data, "pen_digit_bank", bank)
    report = SimpleNamespace(stage=lambda *a: None, note=lambda *a: None)
    for argv, widths in (([], Recipe().pen_widths), (["--pen-widths", "2"], 2)):
        args = train.parse_args(["--data-dir", str(shared_data), *argv])
        images, _labels, *_ = train.training_pool(args, report)
        assert asked[-1] == widths and len(images) == 58_000 + widths * 3
    with pytest.raises(SystemExit):
        train.parse_args(["--pen-widths", "0"])
