"""Shared fixtures: a tiny model in a temp dir, the shared data when present, offscreen Qt."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from mnist_pad.ui.app import prepare_qt

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
prepare_qt()  # Qt set up as the app sets it up

# MNIST_PAD_SHARED_DATA: for checkouts (e.g. git worktrees) that have no ../shared beside them
SHARED_DATA = Path(os.environ.get("MNIST_PAD_SHARED_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


@pytest.fixture(scope="session")
def _training_cache(tmp_path_factory) -> Path:
    """One training-data cache for the whole session (rendered banks are slow to rebuild)."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch, _training_cache):
    """Never touch the real user's data folder, cache or QSettings from a test."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("MNIST_PAD_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("MNIST_PAD_CACHE_DIR", str(_training_cache))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    from PySide6.QtCore import QSettings

    for kind in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(kind, QSettings.Scope.UserScope, str(home / "settings"))
    yield


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory) -> Path:
    """An untrained PadNet checkpoint with its ONNX form beside it: right shapes, meaningless predictions."""
    import torch

    from mnist_pad import model
    from training import export

    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("models") / "tiny.pt"
    export.save_model(path, model.build("padnet"), "padnet", {"name": "tiny", "figures": {}}, data_dir=None)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data, or skip with the reason when this checkout has none beside it."""
    if not (SHARED_DATA / "MNIST" / "raw" / "t10k-images-idx3-ubyte").exists():
        pytest.skip(f"real MNIST not found at {SHARED_DATA} (CI has it; clone with ../shared beside)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def pendigits_file(shared_data) -> Path:
    path = shared_data / "pendigits" / "pendigits-orig.tra"
    if not path.exists():
        pytest.skip(f"pen-drawn digits not found at {path}")
    return path
