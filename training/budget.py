"""A time budget for the whole command, planned from measurements rather than guesses.

`--time-budget S` covers everything from the process start to the saved file. Before training,
the final evaluation and the ONNX export's parity check are timed on a slice of their data and
extrapolated; while training, the speed is measured continuously, so the training deadline (budget
minus the evaluation and saving reserve) and the learning-rate schedule follow the machine as it is
now, busy or idle. When the speed measured leaves too few steps for a useful model, TooSlow says
so with a budget that would work.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from mnist_pad import corrections, pendigits
from mnist_pad.recognizer import Recognizer

from . import evaluate

SAVE_S = 1.0            # writing the files (about 1 MB each, fsynced) and exiting, with room to spare
RESERVE_SAFETY = 1.2    # the measured costs times this, so a noisy slice cannot overrun
SLICE_IMAGES, SLICE_DIGITS = 2000, 20  # one batch of evaluate.mnist_accuracy: timed as the evaluation runs it
# The speed is a moving average over about this many seconds: long enough that a hiccup of a shared
# machine (or a thread trial, training/threads.py) does not pull the deadline forward for good.
SPEED_WINDOW_S = 10.0
# The reserve grows with the slowdown up to this factor: beyond it, a spell of a busier machine would end
# training early for nothing (a 60 s run with a busy core stopped at 41 s for a 5 s evaluation), and
# the budget's 10% tolerance covers the rest.
MAX_SLOWDOWN = 1.5
WARMUP_STEPS = 5        # steps, and seconds, before the speed measured is trusted (the first ones are slow)
WARMUP_S = 3.0


class TooSlow(Exception):
    """The machine, as measured, cannot make a useful model within the budget; the message says what would."""


@dataclass
class EvaluationSet:
    """What the final evaluation measures, loaded once: MNIST test, held-out pen digits, the user's drawings.

    The pen digits come pre-rendered at each of evaluate.BRUSH_WIDTHS (data.heldout_pen_renders): the same
    28x28 images the Recognizer would make, so the figures equal `python -m training.evaluate`'s.
    """

    images: torch.Tensor
    labels: torch.Tensor
    pen_images: np.ndarray | None = None    # (len(BRUSH_WIDTHS), N, 28, 28) uint8
    pen_labels: np.ndarray | None = None
    drawings: list[corrections.Correction] = field(default_factory=list)
    pen_writers: frozenset[int] = pendigits.EVAL_WRITERS

    def figures(self, recognizer: Recognizer, progress=lambda fraction: None) -> dict:
        """All final figures for `recognizer` (accuracies in 0..1)."""
        figures = {"mnist_test_accuracy": evaluate.mnist_accuracy(recognizer, self.images, self.labels)}
        progress(0.5)
        if self.pen_images is not None:
            per_width = {width: float((recognizer.predict_mnist(images).argmax(axis=1) == self.pen_labels).mean())
                         for width, images in zip(evaluate.BRUSH_WIDTHS, self.pen_images)}
            figures.update(evaluate.pen_figures(per_width, len(self.pen_labels), self.pen_writers))
        progress(0.9)
        if self.drawings:
            per_width = evaluate.drawing_accuracies(recognizer, self.drawings)
            figures.update({f"corrections_w{width}_accuracy": value for width, value in per_width.items()})
            figures["corrections_accuracy"] = float(np.mean(list(per_width.values())))
            figures["corrections_count"] = len(self.drawings)
        return figures

    def cost_s(self, recognizer: Recognizer) -> float:
        """Seconds the full evaluation takes now, extrapolated from a timed run on a slice of it."""
        evaluate.mnist_accuracy(recognizer, self.images[:100], self.labels[:100])  # warm-up, not timed
        count = min(SLICE_IMAGES, len(self.images))
        begun = time.perf_counter()
        evaluate.mnist_accuracy(recognizer, self.images[:count], self.labels[:count])
        per_image = (time.perf_counter() - begun) / max(1, count)
        pen_count = 0 if self.pen_images is None else self.pen_images.shape[0] * self.pen_images.shape[1]
        seconds = per_image * (len(self.images) + pen_count)
        if self.drawings:
            part = self.drawings[:SLICE_DIGITS]
            begun = time.perf_counter()
            evaluate.drawing_accuracies(recognizer, part)
            seconds += (time.perf_counter() - begun) * len(self.drawings) / len(part)
        return seconds


class Budget:
    """The training deadline within `seconds` of `started`, kept up to date with the speed measured."""

    def __init__(self, started: float, seconds: float, evaluation_s: float, min_steps: int, saving_s: float = 0.0):
        self.started, self.seconds, self.min_steps = started, seconds, min_steps
        self.evaluation_s = evaluation_s
        self.saving_s = saving_s  # the ONNX export and its parity check (export.saving_cost_s)
        self.loop_start = time.perf_counter()
        self.speed = 0.0         # steps per second now: a moving average over about SPEED_WINDOW_S
        self.mean_speed = 0.0    # steps per second since the first step: the machine as it usually is
        self.steps = 0
        self._timed_steps, self._untimed_s = 0, 0.0
        self._last = self.loop_start

    def slowdown(self) -> float:
        """How much slower the machine is now than on average during this run (1 to MAX_SLOWDOWN)."""
        if self.speed <= 0 or self.mean_speed <= 0:
            return 1.0
        return min(MAX_SLOWDOWN, max(1.0, self.mean_speed / self.speed))

    def reserve_s(self) -> float:
        """Evaluation, export and saving, scaled by how much slower the machine is now than usual."""
        # Safety and slowdown cover the same doubt (will the end take longer than measured?): the larger counts.
        return (self.evaluation_s + self.saving_s) * max(RESERVE_SAFETY, self.slowdown()) + SAVE_S

    def summary(self) -> str:
        """The reserve and what it rests on, for the log."""
        return (f"kept {self.reserve_s():.1f} s for the end: evaluation {self.evaluation_s:.1f} s + export check "
                f"{self.saving_s:.1f} s, x{max(RESERVE_SAFETY, self.slowdown()):.2f} (safety {RESERVE_SAFETY}, slowdown "
                f"{self.slowdown():.2f}), + {SAVE_S:g} s")

    def deadline(self) -> float:
        """When training must stop (perf_counter time)."""
        return self.started + self.seconds - self.reserve_s()

    def fraction(self, now: float) -> float:
        """How far through the training time we are (0..1), for the schedule."""
        return (now - self.loop_start) / max(1e-6, self.deadline() - self.loop_start)

    def step_done(self, now: float, timed: bool = True) -> None:
        """Record one optimizer step; refuse when the speed measured leaves too few steps.

        A step that is not `timed` (a trial of another thread count, training/threads.py) counts as
        a step but says nothing about the speed of the machine, nor does the first, which pays for set-up.
        """
        self.steps += 1
        seconds = max(1e-6, now - self._last)
        self._last = now
        if self.steps == 1 or not timed:
            self._untimed_s += seconds
            return
        self._timed_steps += 1
        rate, weight = 1.0 / seconds, 1.0 - math.exp(-seconds / SPEED_WINDOW_S)
        self.speed = rate if self.speed == 0 else (1 - weight) * self.speed + weight * rate
        self.mean_speed = self._timed_steps / max(1e-6, now - self.loop_start - self._untimed_s)
        if self._timed_steps >= WARMUP_STEPS and now - self.loop_start >= WARMUP_S:
            self.check(now)

    def check(self, now: float) -> None:
        """Raise TooSlow when the steps done plus those still possible are fewer than a useful model needs.

        Judged on the mean speed, so a few seconds of a busier machine do not end a run that would make it.
        """
        remaining = max(0.0, self.deadline() - now)
        possible = self.steps + remaining * self.mean_speed
        if possible < self.min_steps:
            raise TooSlow(self.advice())

    def check_start(self) -> None:
        """Raise TooSlow when loading has already used the time training needed."""
        if time.perf_counter() >= self.deadline():
            raise TooSlow(self.advice())

    def advice(self) -> str:
        """Why the budget cannot work, and the budget that would."""
        loading = self.loop_start - self.started
        if self.mean_speed:
            needed = loading + self.reserve_s() + self.min_steps / self.mean_speed
            speed = f"this machine makes about {self.mean_speed:.1f} training steps/s now, "
        else:
            needed = loading + self.reserve_s() + self.min_steps * 0.5
            speed = ""
        return (f"--time-budget {self.seconds:g} s is too short on this machine to train a useful model: "
                f"{speed}loading took {loading:.0f} s and evaluating and saving need about {self.reserve_s():.0f} s, "
                f"which leaves fewer than the {self.min_steps} steps a useful model needs. Nothing was saved; "
                f"give it at least {10 * math.ceil(needed * 1.2 / 10):.0f} s (or close other programs).")
