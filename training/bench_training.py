"""Training figures for `make bench`, on an idle machine and with another process keeping one core busy.

    python -m training.bench_training [--data-dir DIR] [--budget 60] [--json]

For each condition: training images/s with torch on one thread and on all threads (full
augmentation, batch 128, channels-last, as train.py trains), and a real `python -m training
--time-budget B` run (it picks its thread count itself, training/threads.py): its wall time, the
delay to its first progress event, MNIST test and worst-width pen accuracy. The load average is
given with each condition: on a shared machine it says how busy the rest of it was.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from mnist_pad import model as models, paths

from . import augment, data
from .options import BATCH_BUDGETED as BATCH
from .train import keep_freed_memory

CONDITIONS = ("idle", "busy_core")
STEPS, WARMUP_STEPS = 30, 5


@contextlib.contextmanager
def busy_core(busy: bool):
    """While inside, when `busy`, another process spins on one core (as /work/shared/tools/with-busy-core)."""
    hog = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
    try:
        yield
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()


def images_per_s(images: torch.Tensor, labels: torch.Tensor, threads: int) -> float:
    """Training throughput of the default model with `threads` torch threads, after a few warm-up steps."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        generator = torch.Generator().manual_seed(0)
        net = models.build("padnet").to(memory_format=torch.channels_last)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        for step in range(STEPS + WARMUP_STEPS):
            if step == WARMUP_STEPS:
                begun = time.perf_counter()
            index = torch.randint(0, len(images), (BATCH,), generator=generator)
            batch = augment.augment(images[index].float()[:, None] / 255, "full", generator)
            loss = F.cross_entropy(net(batch), labels[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        return STEPS * BATCH / (time.perf_counter() - begun)
    finally:
        torch.set_num_threads(before)


def budget_run(data_dir: str, budget: float) -> dict:
    """`python -m training --time-budget budget`, timed from outside: wall, first event, accuracies."""
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "training", "--data-dir", data_dir, "--time-budget", f"{budget:g}",
                   "--progress", "json", "--out", str(Path(folder) / "bench.pt")]
        begun = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        first_event_s, events = None, []
        for line in process.stdout:
            first_event_s = first_event_s if first_event_s is not None else time.perf_counter() - begun
            if line.startswith("{"):
                events.append(json.loads(line))
        process.wait()
        wall = time.perf_counter() - begun
    last = events[-1] if events else {"event": "none"}
    threads = [e["threads"] for e in events if e.get("event") == "progress" and e.get("threads")]
    figures = {"wall_s": round(wall, 1), "first_event_s": round(first_event_s or wall, 2),
               "threads_at_end": threads[-1] if threads else None}
    if last["event"] == "done":
        figures.update(mnist_test_accuracy=last["figures"]["mnist_test_accuracy"],
                       pen_worst_width_accuracy=last["figures"].get("pendigits_worst_width_accuracy"))
    else:
        figures["refused"] = last.get("message", f"exit {process.returncode}")
    return figures


def training_figures(data_dir: str, budget: float = 60.0, conditions=CONDITIONS) -> dict:
    """Flat figures `{condition}_{name}` for each condition ('idle', 'busy_core'), as `make bench` prints them."""
    keep_freed_memory()
    images, labels = data.load_mnist(data_dir, train=True)
    figures: dict = {}
    for condition in conditions:
        with busy_core(condition == "busy_core"):
            measured = {"load_average_1min": round(os.getloadavg()[0], 2),
                        "images_per_s_1_thread": round(images_per_s(images, labels, 1)),
                        f"images_per_s_{os.cpu_count()}_threads": round(images_per_s(images, labels, os.cpu_count() or 1))}
            measured.update({f"budget{budget:g}s_{k}": v for k, v in budget_run(data_dir, budget).items()})
        figures.update({f"{condition}_{name}": value for name, value in measured.items()})
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures, one per line (or one JSON object with --json)."""
    parser = argparse.ArgumentParser(prog="python -m training.bench_training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw and pendigits/")
    parser.add_argument("--budget", type=float, default=60.0, help="the --time-budget of the real runs (seconds)")
    parser.add_argument("--conditions", nargs="+", choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument("--json", action="store_true", help="one JSON object instead of lines")
    args = parser.parse_args(argv)
    figures = training_figures(args.data_dir, args.budget, args.conditions)
    if args.json:
        print(json.dumps(figures))
    else:
        print("[training: idle, and with another process keeping one core busy]")
        for name, value in figures.items():
            print(f"  {name:44s} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
