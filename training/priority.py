"""Run below the GUI's priority: training and evaluation started from the app must never make drawing stutter."""
from __future__ import annotations

import os
import threading

import psutil

POSIX_NICENESS = 10


def lower_priority() -> None:
    """Run only on CPU time the app leaves over; where the OS refuses, carry on at normal priority.

    On Linux that is SCHED_IDLE: a waking UI thread preempts this process at once, where a mere
    nice level still lets it hold a core for a few milliseconds. Elsewhere, a lower nice level.
    """
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            # Linux schedules threads one by one: every thread already started (by imports) as well as
            # this one; threads started later inherit it from the thread that starts them.
            for thread in [0] + _other_threads():
                os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))
            return
        except OSError:
            pass
    process = psutil.Process()
    try:
        if psutil.WINDOWS:
            process.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        else:
            process.nice(max(process.nice(), POSIX_NICENESS))
    except psutil.Error:
        pass


def _other_threads() -> list[int]:
    """The ids of this process's other threads (Linux), [] where they cannot be listed."""
    try:
        return [int(name) for name in os.listdir("/proc/self/task") if int(name) != threading.get_native_id()]
    except OSError:
        return []
