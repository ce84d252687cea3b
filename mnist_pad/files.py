"""Atomic file writes: a reader (or a crash) sees the old file or the new one, never a part."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: os.PathLike | str, data: bytes) -> None:
    """Replace `path` with `data` all at once: readers see the old file or the new, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
