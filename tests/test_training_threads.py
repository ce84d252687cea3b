"""Training's thread choice on a busy or idle machine, and the export's share of the time budget."""
from __future__ import annotations

import json
import time

import psutil
import pytest
import torch

from training import bench_training, budget, export, threads, train


class Machine:
    """A fake clock whose training steps take `step_s[threads]` seconds, as torch's thread count is set."""

    def __init__(self, step_s: dict[int, float]):
        self.now, self.step_s = 0.0, dict(step_s)

    def clock(self) -> float:
        return self.now

    def run(self, chooser: threads.ThreadChooser, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end:
            chooser.before_step()
            self.now += self.step_s[torch.get_num_threads()]
            chooser.after_step()


@pytest.fixture(autouse=True)
def _restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_one_thread_is_chosen_when_another_process_holds_a_core():
    machine = Machine({1: 0.08, 2: 0.6})  # issue 10's figures: two threads stall against a busy core
    chooser = threads.ThreadChooser(most=2, clock=machine.clock)
    machine.run(chooser, 60)
    assert chooser.chosen == 1 and torch.get_num_threads() == 1
    slow_steps = chooser.trials - 1  # each trial of two threads after the first costs about one slow step
    assert slow_steps * 0.6 < 0.1 * 60, "probing costs under a tenth of the time"


def test_all_threads_are_used_on_an_idle_machine():
    machine = Machine({1: 0.08, 2: 0.05})
    chooser = threads.ThreadChooser(most=2, clock=machine.clock)
    machine.run(chooser, 10)
    assert chooser.chosen == 2 and torch.get_num_threads() == 2 and "2 thread(s)" in chooser.summary()


def test_a_core_that_gets_busy_midway_sends_training_back_to_one_thread():
    machine = Machine({1: 0.08, 2: 0.05})
    chooser = threads.ThreadChooser(most=2, clock=machine.clock)
    machine.run(chooser, 5)
    assert chooser.chosen == 2
    machine.step_s[2] = 0.6  # another program starts
    machine.run(chooser, 5)
    assert chooser.chosen == 1 and torch.get_num_threads() == 1, "noticed well before the next periodic trial"


def test_a_single_core_machine_never_probes():
    machine = Machine({1: 0.08})
    chooser = threads.ThreadChooser(most=1, clock=machine.clock)
    machine.run(chooser, 30)
    assert chooser.trials == 0 and torch.get_num_threads() == 1


def test_the_onnx_export_and_its_check_are_reserved_in_the_budget(shared_data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(export, "saving_cost_s", lambda net, data_dir: 12.0)  # a machine where saving is slow
    out = tmp_path / "never.pt"
    code = train.main(["--data-dir", str(shared_data), "--limit", "200", "--pendigits", "none", "--time-budget", "20",
                       "--progress", "json", "--out", str(out)])
    error = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert code == 2 and not out.exists() and error["event"] == "error"
    reserve = int(error["message"].split("evaluating and saving need about ")[1].split(" s")[0])
    assert reserve >= 12 * budget.RESERVE_SAFETY, "the export's measured cost, with the safety margin, is kept for the end"


def test_the_export_cost_is_extrapolated_from_a_timed_slice_of_the_parity_check(shared_data, monkeypatch):
    checked = []

    def slow_check(net, onnx_bytes, images, description):
        checked.append(len(images))
        time.sleep(0.05)  # 0.05 s per 100 images: 5 s for the 10,000 of MNIST test
    monkeypatch.setattr(export, "check_parity", slow_check)
    seconds = export.saving_cost_s(train.models.build("padnet"), shared_data, sample=100)
    assert checked == [100] and 5.0 <= seconds < 15.0


def test_the_training_bench_measures_each_condition_with_a_busy_core_only_when_asked(shared_data, monkeypatch):
    hogs_seen = []

    def children_spinning() -> int:
        return sum(1 for child in psutil.Process().children() if "while True" in " ".join(child.cmdline()))

    monkeypatch.setattr(bench_training, "images_per_s", lambda images, labels, threads: hogs_seen.append(children_spinning()) or 1000.0)
    monkeypatch.setattr(bench_training, "budget_run", lambda data_dir, budget: {"wall_s": budget})
    figures = bench_training.training_figures(str(shared_data), budget=60)
    assert hogs_seen == [0, 0, 1, 1], "idle first, then one spinning process while measuring the busy condition"
    assert children_spinning() == 0, "the spinning process is stopped afterwards"
    assert figures["idle_images_per_s_1_thread"] == 1000 and figures["busy_core_budget60s_wall_s"] == 60
    assert "busy_core_load_average_1min" in figures
