"""The user's own models: retrained checkpoints saved under versioned names in the data folder.

Shipped models live in the package and are never written; user models go to
`paths.user_models_dir()` as `<stem>-v<N>-<date>.pt`, each carrying its model card.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from . import paths

_VERSION = re.compile(r"-v(\d+)-")


@dataclass(frozen=True)
class SavedModel:
    path: Path
    card: dict[str, Any]

    @property
    def label(self) -> str:
        """A menu label: the file's versioned name and its MNIST figure when known."""
        accuracy = self.card.get("figures", {}).get("mnist_test_accuracy")
        return f"{self.path.stem} ({accuracy:.2%})" if isinstance(accuracy, float) else self.path.stem


def saved_models(folder: Path | None = None) -> list[SavedModel]:
    """Every readable checkpoint in the user's models folder, oldest first; broken files are left out."""
    from . import checkpoint  # imports torch: only when listing, so the GUI can open without it

    folder = folder or paths.user_models_dir()
    found = []
    for path in sorted(folder.glob("*.pt"), key=_version):
        try:
            found.append(SavedModel(path, checkpoint.load(path).card))
        except checkpoint.CheckpointError:
            continue
    return found


def next_path(stem: str = "retrained", folder: Path | None = None) -> Path:
    """A fresh versioned path for a new model: one more than the highest version present."""
    folder = folder or paths.user_models_dir()
    folder.mkdir(parents=True, exist_ok=True)
    highest = max((_version(p) for p in folder.glob("*.pt")), default=0)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return folder / f"{stem}-v{highest + 1}-{stamp}.pt"


def _version(path: Path) -> int:
    match = _VERSION.search(path.name)
    return int(match.group(1)) if match else 0
