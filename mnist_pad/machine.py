"""What machine this is: in words for benchmark reports (mnist_pad.bench) and model cards (training), and the
cores this process may use."""
from __future__ import annotations

import math
import os
import platform
from pathlib import Path


def usable_cores() -> int:
    """The cores this process may run on (`taskset` and cgroups' CPU sets respected), at least one."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def cpu_name() -> str:
    """The processor's model name (Linux's /proc/cpuinfo), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def stolen_seconds(stat: bytes) -> float:
    """CPU time the hypervisor has held this virtual machine's cores back since boot, all cores together, from
    the start of Linux's /proc/stat (its "steal" column, in 10 ms steps); nan where it has no such column."""
    fields = stat.split(None, 9)
    try:
        return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 9 and fields[0] == b"cpu" else math.nan
    except ValueError:
        return math.nan
