"""Run below the GUI's priority: training and evaluation started from the app must never make drawing stutter."""
from __future__ import annotations

import psutil

POSIX_NICENESS = 10  # CFS then gives a busy UI thread ~10x the CPU share of this process


def lower_priority() -> None:
    """Lower this process's CPU priority; where the OS refuses, carry on at normal priority."""
    process = psutil.Process()
    try:
        if psutil.WINDOWS:
            process.nice(psutil.BELOW_NORMAL_PRIORITY_CLASS)
        else:
            process.nice(max(process.nice(), POSIX_NICENESS))
    except psutil.Error:
        pass
