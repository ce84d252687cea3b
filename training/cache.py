"""A cache of derived training data (rendered banks, verified MNIST tensors) in the user cache folder.

Each entry is one .npz named by a digest of its key (source file hashes, preprocessing version,
rendering parameters), written atomically, with a SHA-256 of its arrays stored inside. Reading
checks that digest: a damaged or foreign entry is rebuilt, never trained on.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np
import platformdirs

from mnist_pad import paths
from mnist_pad.files import write_atomic

KEEP_PER_NAME = 3  # entries kept per kind (e.g. old corrections banks), newest first
CHECKSUM = "__sha256__"


def cache_dir() -> Path:
    """The folder for derived training data; MNIST_PAD_CACHE_DIR overrides it."""
    override = os.environ.get("MNIST_PAD_CACHE_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(paths.APP)) / "training"


def file_sha256(path: os.PathLike | str) -> str:
    """The SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _arrays_sha256(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def entry_path(name: str, key: dict) -> Path:
    """Where the entry for `key` lives: the name plus a digest of the key."""
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:20]
    return cache_dir() / f"{name}-{digest}.npz"


def read(path: Path) -> dict[str, np.ndarray] | None:
    """The arrays of an intact entry, or None when it is missing, unreadable or fails its checksum."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    expected = arrays.pop(CHECKSUM, None)
    if expected is None or str(expected) != _arrays_sha256(arrays):
        return None
    return arrays


def write(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Store `arrays` atomically with their checksum; old entries of the same name beyond a few are removed."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays, **{CHECKSUM: np.array(_arrays_sha256(arrays))})
    write_atomic(path, buffer.getvalue())
    name = path.name.rsplit("-", 1)[0]
    siblings = sorted(path.parent.glob(f"{name}-*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in siblings[KEEP_PER_NAME:]:
        old.unlink(missing_ok=True)


def cached(name: str, key: dict, build: Callable[[], dict[str, np.ndarray]], say=None) -> dict[str, np.ndarray]:
    """The arrays for `key`: read from the cache when intact, else built, stored and returned.

    A cache that cannot be written (read-only or full disk) only costs the rebuild next time.
    """
    path = entry_path(name, key)
    arrays = read(path)
    if arrays is not None:
        return arrays
    if path.exists() and say is not None:
        say(f"cached {name} at {path} is damaged; rebuilding it")
    arrays = build()
    try:
        write(path, arrays)
    except OSError as error:
        if say is not None:
            say(f"could not cache {name} in {path.parent} ({error.strerror or error}); it will be rebuilt next time")
    return arrays
