"""What machine this is, in words: for benchmark reports (mnist_pad.bench) and model cards (training)."""
from __future__ import annotations

import platform
from pathlib import Path


def cpu_name() -> str:
    """The processor's model name (Linux's /proc/cpuinfo), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
