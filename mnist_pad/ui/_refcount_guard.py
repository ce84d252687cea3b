"""Keep None, True and False alive under Python 3.11 despite PySide6's missing references.

Some PySide6 builds (seen with 6.12's abi3 wheel) return None from void methods without taking a
reference; on Python >= 3.12 None is immortal so nothing happens, but on 3.11 each call drops one
reference and after a few thousand calls (a few seconds of drawing) Python aborts with
"none_dealloc". Giving these singletons a huge reference count makes them effectively immortal,
as 3.12 does. A no-op on Python >= 3.12.
"""
from __future__ import annotations

import ctypes
import sys

_HEADROOM = 1 << 48


def install() -> None:
    """Raise the reference counts of None, True and False far beyond any number of leaks."""
    if sys.version_info >= (3, 12) or hasattr(sys, "gettotalrefcount"):  # immortal already / debug build layout
        return
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt is a PyObject's first field
        if count.value < _HEADROOM:
            count.value += _HEADROOM


install()
