"""The user's own models: retrained checkpoints saved under versioned names in the data folder.

Shipped models live in the package and are never written; user models go to
`paths.user_models_dir()` as `<stem>-v<N>-<date>.pt` with their ONNX form (`.onnx`) and its
description (`.json`, which carries the model card) beside them. Listing reads only the small
descriptions, never a checkpoint, so a huge or hostile file in the folder costs nothing at start-up.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import engine, paths

_VERSION = re.compile(r"-v(\d+)-")


@dataclass(frozen=True)
class SavedModel:
    """A user model: `path` is what Recognizer.load takes (its checkpoint, else its ONNX form)."""

    path: Path
    card: dict[str, Any]
    needs_conversion: bool = False

    @property
    def label(self) -> str:
        """A menu label: the file's versioned name and its MNIST figure when known."""
        if self.needs_conversion:
            return f"{self.path.stem} (older format: converted when chosen)"
        figures = self.card.get("figures")
        accuracy = figures.get("mnist_test_accuracy") if isinstance(figures, dict) else None
        return f"{self.path.stem} ({accuracy:.2%})" if isinstance(accuracy, float) else self.path.stem


def saved_models(folder: Path | None = None) -> list[SavedModel]:
    """The user's models, oldest first: each valid description, then checkpoints without one.

    Broken descriptions are left out; a checkpoint is only listed by name, never opened here.
    """
    folder = folder or paths.user_models_dir()
    found: dict[str, SavedModel] = {}
    for sidecar in folder.glob("*.json"):
        try:
            model = engine.read_sidecar(sidecar)
        except engine.ModelError:
            continue
        checkpoint = sidecar.with_suffix(".pt")
        found[sidecar.stem] = SavedModel(checkpoint if checkpoint.exists() else model.onnx, model.card)
    for checkpoint in folder.glob("*.pt"):
        found.setdefault(checkpoint.stem, SavedModel(checkpoint, {}, needs_conversion=True))
    return sorted(found.values(), key=lambda model: (_version(model.path), model.path.name))


def next_path(stem: str = "retrained", folder: Path | None = None) -> Path:
    """A fresh versioned path for a new model: one more than the highest version present."""
    folder = folder or paths.user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    highest = max((_version(p) for p in [*folder.glob("*.pt"), *folder.glob("*.json")]), default=0)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{stem}-v{highest + 1}-{stamp}.pt"


def _version(path: Path) -> int:
    match = _VERSION.search(path.name)
    return int(match.group(1)) if match else 0
