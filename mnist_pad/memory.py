"""Hand back the memory PyTorch's libraries touch once at start-up and never again.

PyTorch's CUDA wheel loads its GPU libraries (cuBLAS, NVRTC, nvJitLink, ...) even on a CPU, and
their start-up code and the operator registry leave 200-500 MB of library pages resident that an
app predicting on the CPU never uses again. Those are clean pages of read-only file mappings:
asking the kernel to page them out (madvise MADV_PAGEOUT, Linux 5.4+) frees them safely, and a
page that is needed again is read back from its file on demand.
"""
from __future__ import annotations

import ctypes
import re
import sys

MADV_PAGEOUT = 21
# Libraries of the torch package and of the CUDA wheels it depends on (nvidia-*, cuda-bindings).
TORCH_LIBRARIES = re.compile(r"/(torch|nvidia|cuda)/")


def release_library_pages(path_pattern: re.Pattern = TORCH_LIBRARIES) -> int:
    """Page out the read-only file mappings whose path matches; returns the bytes advised (0 where unsupported)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        with open("/proc/self/maps") as file:
            maps = file.read()
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    advised = 0
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)  # address range, permissions, offset, device, inode, path
        if len(fields) < 6 or "w" in fields[1] or not path_pattern.search(fields[5]):
            continue
        start, end = (int(value, 16) for value in fields[0].split("-"))
        if madvise(start, end - start, MADV_PAGEOUT) == 0:
            advised += end - start
    return advised
