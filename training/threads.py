"""How many threads torch trains with, chosen by measuring rather than assumed.

On a 2-core machine where another process holds a core, torch's default (one OpenMP thread per
core) collapses: the threads wait for each other at every operation, and a step that takes 0.08 s
on one thread takes 0.6 s or more (issue 10 measured 1.6 vs ~11 steps/s). Which count is faster
depends on what else runs, so it is chosen by timing real training steps: first one thread, then
all of them, keeping the faster. The other count is tried again every REPROBE_S seconds, or at once
when the steps get much slower, so a core that gets busy (or free) midway is noticed. A trial of
a count stops as soon as it is clearly slower, so probing costs at most about one slow step.
"""
from __future__ import annotations

import statistics
import time
from collections import deque

import torch

PROBE_STEPS = 4     # timed steps per trial, after one untimed step that pays for waking the threads
REPROBE_S = 20.0    # seconds between trials of the count not in use
SLOWDOWN = 2.0      # steps this much slower than when the count was chosen start a trial at once
GIVE_UP = 1.5       # a trial ends early once it has taken this many times what the count in use would
RECENT = 8          # steps of the count in use whose median says how fast it is now


class ThreadChooser:
    """Sets torch's intra-op thread count step by step: call `before_step()` and `after_step()` around each."""

    def __init__(self, most: int | None = None, clock=time.perf_counter):
        self.most = most or torch.get_num_threads()
        self.clock = clock
        self.step_s: dict[int, float] = {}     # seconds per step measured for each count, at its last trial
        self.chosen = 1
        self.trying: int | None = None
        self.trials = 0
        self._recent: deque[float] = deque(maxlen=RECENT)
        self._times: list[float] = []
        self._untimed = False
        self._trial_begun = self._step_begun = self._last_trial = clock()
        torch.set_num_threads(1)
        if self.most > 1:
            self._begin_trial(1, self._last_trial)

    @property
    def threads(self) -> int:
        """The count torch uses for the next step."""
        return self.trying if self.trying is not None else self.chosen

    @property
    def on_trial(self) -> bool:
        """Whether the next step tries a count other than the one in use (its time is not the machine's usual)."""
        return self.trying is not None and self.trying != self.chosen

    def before_step(self) -> None:
        """Start timing a step; starts a trial of the other count when one is due."""
        now = self.clock()
        if self.trying is None and self.most > 1 and (now - self._last_trial >= REPROBE_S or self._slowed_down()):
            self._begin_trial(self.most if self.chosen == 1 else 1, now)
        self._step_begun = now

    def after_step(self) -> None:
        """Record the step's time; ends a trial when it has enough steps or is clearly slower."""
        now = self.clock()
        if self.trying is None:
            self._recent.append(now - self._step_begun)
            return
        if self._untimed:
            self._untimed = False
        else:
            self._times.append(now - self._step_begun)
        current = self._current_step_s() if self.trying != self.chosen else None
        too_slow = current is not None and now - self._trial_begun > GIVE_UP * current * (PROBE_STEPS + 1)
        if len(self._times) >= PROBE_STEPS or too_slow:
            self._end_trial(now, too_slow)

    def _current_step_s(self) -> float | None:
        """How long a step of the count in use takes now (recent steps), else at its trial."""
        if len(self._recent) >= RECENT // 2:
            return statistics.median(self._recent)
        return self.step_s.get(self.chosen)

    def _slowed_down(self) -> bool:
        chosen_at = self.step_s.get(self.chosen)
        return (chosen_at is not None and len(self._recent) == RECENT
                and statistics.median(self._recent) > SLOWDOWN * chosen_at)

    def _begin_trial(self, count: int, now: float) -> None:
        self.trying, self._times, self._untimed, self._trial_begun = count, [], True, now
        self.trials += 1
        torch.set_num_threads(count)

    def _end_trial(self, now: float, too_slow: bool) -> None:
        count, current = self.trying, self._current_step_s()
        steps = len(self._times) + 1
        self.step_s[count] = (now - self._trial_begun) / steps if too_slow else statistics.median(self._times)
        if current is not None and count != self.chosen:
            self.step_s[self.chosen] = current
        self.trying, self._last_trial = None, now
        if self.trials == 1 and self.most > 1:  # one thread measured: now all of them
            self._begin_trial(self.most, now)
            return
        best = min(self.step_s, key=self.step_s.get)
        if best != self.chosen:
            self._recent.clear()
        self.chosen = best
        torch.set_num_threads(best)

    def summary(self) -> str:
        """The choice and the step times it rests on, for the log."""
        times = ", ".join(f"{count}: {seconds * 1000:.0f} ms/step" for count, seconds in sorted(self.step_s.items()))
        return f"training on {self.chosen} thread(s) of {self.most} (measured {times or 'nothing yet'})"
