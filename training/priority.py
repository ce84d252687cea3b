"""Run below the GUI's priority: training and evaluation started from the app must never make drawing stutter."""
from __future__ import annotations

import os

import psutil

POSIX_NICENESS = 10


def lower_priority() -> None:
    """Run only on CPU time the app leaves over; where the OS refuses, carry on at normal priority.

    On Linux that is SCHED_IDLE: a waking UI thread preempts this process at once, where a mere
    nice level still lets it hold a core for a few milliseconds. Elsewhere, a lower nice level.
    """
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
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
