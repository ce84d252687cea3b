"""Where things live: shipped models (package resources) and the user's own data (platformdirs)."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

APP = "mnist-pad"
SHIPPED_MODELS = ("robust", "plain")
DEFAULT_MODEL = "robust"


def shipped_model(name: str) -> Path:
    """The path of a model shipped in resources/models (robust, plain)."""
    if name not in SHIPPED_MODELS:
        raise ValueError(f"no shipped model called {name!r}; shipped: {', '.join(SHIPPED_MODELS)}")
    return Path(str(resources.files("mnist_pad.resources.models").joinpath(f"{name}.pt")))


def is_shipped(path: os.PathLike | str) -> bool:
    """True when `path` lies in the shipped models' folder, which the app and its tools never write."""
    shipped_folder = shipped_model(DEFAULT_MODEL).parent.resolve()
    return Path(path).expanduser().resolve().parent == shipped_folder


def data_dir() -> Path:
    """The user's data folder (saved models, corrections); MNIST_PAD_DATA_DIR overrides it."""
    override = os.environ.get("MNIST_PAD_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP))


def user_models_dir() -> Path:
    return data_dir() / "models"


def corrections_file() -> Path:
    return data_dir() / "corrections.jsonl"


def mnist_cache_dir() -> Path:
    """Default root for torchvision's MNIST files; MNIST_PAD_MNIST_DIR overrides it."""
    override = os.environ.get("MNIST_PAD_MNIST_DIR")
    return Path(override) if override else Path(platformdirs.user_cache_dir(APP)) / "data"
