"""Checkpoint files: a state_dict plus a model card, loaded without ever running pickled code.

Layout of a file (torch.save of a plain dict):
    {"format": "mnist-pad", "version": 1, "arch": str, "state_dict": {...}, "card": {...}}
The card is JSON-like: name, architecture, recipe (the command that reproduces it, seed),
figures (evaluation results), date, the preprocessing version the model was trained on, and
`weights_sha256`, a digest of the weights checked on load so that bit-rot is found, not run.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from . import model as models
from .card import validate_card
from .files import write_atomic

FORMAT, VERSION = "mnist-pad", 1
MAX_BYTES = 200 * 1024 * 1024


class CheckpointError(Exception):
    """A file that is not a usable mnist-pad checkpoint; the message names the file and the problem."""

    def __init__(self, path: os.PathLike | str, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


@dataclass
class Checkpoint:
    """A model ready to run, with its card."""

    model: nn.Module
    arch: str
    card: dict[str, Any] = field(default_factory=dict)


def save(path: os.PathLike | str, model: nn.Module, arch: str, card: dict[str, Any]) -> None:
    """Write a checkpoint atomically: a temp file in the same folder, fsynced, then renamed."""
    path = Path(path)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "arch": arch,
        "state_dict": state,
        "card": dict(card, arch=arch, weights_sha256=weights_digest(state)),
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    write_atomic(path, buffer.getvalue())


def weights_digest(state: dict[str, torch.Tensor]) -> str:
    """SHA-256 over every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        digest.update(f"{name}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def load(path: os.PathLike | str) -> Checkpoint:
    """Load and validate a checkpoint; any problem raises CheckpointError."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(path, "is a folder, not a checkpoint file")
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise CheckpointError(path, "is not a regular file (a pipe or a device?)")
        if size == 0:
            raise CheckpointError(path, "is empty (0 bytes)")
        if size > MAX_BYTES:
            raise CheckpointError(path, f"is {size / 2**20:.0f} MiB, over the {MAX_BYTES // 2**20} MiB limit for a digit model")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about foreign pickle protocols; we report our own error
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(path, "no such file") from None
    except PermissionError:
        raise CheckpointError(path, "permission denied") from None
    except pickle.UnpicklingError as error:
        # weights_only=True refuses any pickle that would import or call code; say which global it named.
        unsafe = [line.strip() for line in str(error).splitlines() if "GLOBAL" in line or "Unsupported global" in line]
        if unsafe:
            raise CheckpointError(path, f"refused: it would run code when loaded ({unsafe[0]}); nothing was executed") from None
        raise CheckpointError(path, "not a readable PyTorch checkpoint (corrupt or not a checkpoint at all)") from None
    except Exception as error:  # truncated zip, random bytes, old formats: torch raises many types
        raise CheckpointError(path, f"not a readable PyTorch checkpoint ({type(error).__name__}: {error})") from None
    return _validate(path, payload)


def _validate(path: Path, payload: Any) -> Checkpoint:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(path, "not an mnist-pad checkpoint (no 'format: mnist-pad' header)")
    if payload.get("version") != VERSION:
        raise CheckpointError(path, f"checkpoint version {payload.get('version')!r} is not supported (expected {VERSION})")
    arch, state, card = payload.get("arch"), payload.get("state_dict"), payload.get("card", {})
    if not isinstance(arch, str) or arch not in models.ARCHITECTURES:
        raise CheckpointError(path, f"unknown architecture {arch!r:.80}; this version knows {', '.join(models.ARCHITECTURES)}")
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise CheckpointError(path, "its state_dict is missing or holds something other than named tensors")
    try:
        card = validate_card(card)
    except ValueError as error:
        raise CheckpointError(path, f"not a usable model card: {error}") from None
    for name, tensor in state.items():
        if name.endswith(".num_batches_tracked") and tensor.dtype == torch.int64 and tensor.dim() == 0:
            continue  # batch norm's step counter: a plain integer, unused once trained
        if not tensor.is_floating_point():  # complex weights would load, silently losing their imaginary part
            raise CheckpointError(path, f"weights {name!r} are {tensor.dtype}, not real floating-point numbers")
        if not torch.isfinite(tensor).all():
            raise CheckpointError(path, f"weights {name!r} contain NaN or infinite values")
    stored = card.get("weights_sha256")
    if stored is not None and stored != weights_digest(state):
        raise CheckpointError(path, "its weights do not match the digest in its model card (the file is damaged)")
    net = models.build(arch)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:300]
        raise CheckpointError(path, f"weights do not fit the {arch!r} architecture: {detail}") from None
    net.eval()
    return Checkpoint(net, arch, card)
