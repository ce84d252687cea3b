"""The app's inference engine: a model's ONNX form, run by ONNX Runtime on the CPU.

A model is its checkpoint (`name.pt`, PyTorch: the source of truth and the training format) plus
the form the app runs, derived from it by training/export.py: `name.onnx` (the network, softmax
included) and `name.json` (the model card, the sizes and SHA-256 of both files, and the result of
the check against the PyTorch model). This module only reads that form, so the app never imports
torch; a checkpoint without it is converted by `python -m training.export` in its own process.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

from . import paths
from .card import validate_card
from .machine import usable_cores

FORMAT, VERSION = "mnist-pad-onnx", 1
INPUT, OUTPUT = "image", "probabilities"   # (N, 1, 28, 28) float in [0, 1] -> (N, 10)
MAX_SIDECAR_BYTES = 1 << 20                # a card is a few kB
MAX_ONNX_BYTES = 100 * 1024 * 1024         # the shipped nets are 0.8-4 MB
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024   # as mnist_pad.checkpoint


class ModelError(Exception):
    """A model file that cannot be used; the message names the file and the problem."""

    def __init__(self, path: os.PathLike | str, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


class ConversionNeeded(ModelError):
    """A checkpoint with no ONNX form yet: `python -m training.export CHECKPOINT --out TARGET` makes it."""

    def __init__(self, checkpoint: Path, target: Path):
        self.checkpoint, self.target = checkpoint, target
        super().__init__(checkpoint, f"has no ONNX form yet; it will be converted to {target.name}")


@dataclass(frozen=True)
class ExportedModel:
    """What a model's JSON sidecar says: its card, its ONNX file and where it came from."""

    sidecar: Path
    onnx: Path
    onnx_bytes: int
    onnx_sha256: str
    card: dict[str, Any] = field(default_factory=dict)
    source_sha256: str | None = None
    parity: dict[str, Any] = field(default_factory=dict)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_sidecar(path: os.PathLike | str) -> ExportedModel:
    """A model's JSON sidecar, read with a size limit and checked; its ONNX file must have the declared size."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_SIDECAR_BYTES:
            raise ModelError(path, f"is {size} bytes, too large for a model description")
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ModelError(path, "no such file (a model's ONNX form comes with a .json description beside it)") from None
    except (OSError, ValueError) as error:
        raise ModelError(path, f"is not a readable model description ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ModelError(path, f"is not an mnist-pad model description (no 'format: {FORMAT}')")
    if document.get("version") != VERSION:
        raise ModelError(path, f"description version {document.get('version')!r} is not supported (expected {VERSION})")
    onnx = document.get("onnx")
    source = document.get("source") or {}
    if not (isinstance(onnx, dict) and isinstance(onnx.get("file"), str) and isinstance(onnx.get("bytes"), int)
            and isinstance(onnx.get("sha256"), str) and isinstance(source, dict)):
        raise ModelError(path, "its 'onnx' entry (file, bytes, sha256) is missing or malformed")
    try:
        card = validate_card(document.get("card", {}))
    except ValueError as error:
        raise ModelError(path, str(error)) from None
    onnx_path = path.parent / Path(onnx["file"]).name  # never outside the sidecar's folder
    try:
        actual = onnx_path.stat().st_size
    except OSError:
        raise ModelError(path, f"its network file {onnx_path.name} is missing") from None
    if actual != onnx["bytes"] or actual > MAX_ONNX_BYTES:
        raise ModelError(path, f"its network file {onnx_path.name} is {actual} bytes, not the {onnx['bytes']} declared")
    parity = document.get("parity") if isinstance(document.get("parity"), dict) else {}
    return ExportedModel(path, onnx_path, actual, onnx["sha256"], card, source.get("sha256"), parity)


def converted_form(checkpoint: os.PathLike | str) -> ExportedModel:
    """The ONNX form of a checkpoint: beside it, or in the user's conversion cache; else ConversionNeeded."""
    checkpoint = Path(checkpoint)
    if checkpoint.is_dir():
        raise ModelError(checkpoint, "is a folder, not a model file")
    try:
        size = checkpoint.stat().st_size
        if size > MAX_CHECKPOINT_BYTES:
            raise ModelError(checkpoint, f"is {size / 2**20:.0f} MiB, too large for a digit model")
        digest = file_sha256(checkpoint)
    except FileNotFoundError:
        raise ModelError(checkpoint, "no such file") from None
    except PermissionError:
        raise ModelError(checkpoint, "permission denied") from None
    target = conversion_target(checkpoint, digest)
    for sidecar in (checkpoint.with_suffix(".json"), target):
        try:
            exported = read_sidecar(sidecar)
        except ModelError:
            continue
        if exported.source_sha256 == digest:
            return exported
    raise ConversionNeeded(checkpoint, target)


def conversion_target(checkpoint: Path, digest: str) -> Path:
    """Where the converted form of a checkpoint with this content goes: the user's cache, named by content."""
    return paths.data_dir() / "converted" / f"{checkpoint.stem}-{digest[:16]}.json"


def default_threads() -> int:
    """Intra-op threads for a session: two where this process may use two cores, else one.

    A batch (a sweep's 16 widths, the CLI's pictures, an evaluation's images) splits over two cores in
    about 0.6 times its time on one; one drawing takes about the same. More threads gain little on
    batches this small. The threads never spin (below): idle, they cost nothing. The app's inference
    worker, at low priority and on small steps, keeps to one (ui.serving.WORKER_THREADS).
    """
    return min(2, usable_cores())


def create_session(model: ExportedModel, threads: int | None = None) -> ort.InferenceSession:
    """An ONNX Runtime session (CPU) for a model whose file matches its declared SHA-256, on
    `threads` intra-op threads (default_threads() when None)."""
    try:
        data = model.onnx.read_bytes()
    except OSError as error:
        raise ModelError(model.onnx, f"cannot be read ({error.strerror or error})") from None
    if hashlib.sha256(data).hexdigest() != model.onnx_sha256:
        raise ModelError(model.onnx, "does not match its description's SHA-256 (changed or damaged); export it again")
    return session_from_bytes(data, model.onnx, threads)


def session_from_bytes(data: bytes, where: os.PathLike | str, threads: int | None = None) -> ort.InferenceSession:
    """An ONNX Runtime session (CPU) for a serialised digit model; `where` names it in errors."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # Threads that wait without spinning: a spinning one would take a core from the UI thread or a
    # busy program between requests.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # No memory arena: its blocks stay reserved for the session's life (~1.4 MB a session here, and the
    # app holds up to three); a network this small runs no slower from plain allocations.
    options.enable_cpu_mem_arena = False
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime raises its own exception types for bad graphs
        raise ModelError(where, f"ONNX Runtime cannot run it ({type(error).__name__}: {error})") from None
    inputs, outputs = session.get_inputs(), session.get_outputs()
    if [i.name for i in inputs] != [INPUT] or inputs[0].shape[1:] != [1, 28, 28] or outputs[0].shape[1:] != [10]:
        raise ModelError(where, "is not a digit model (expected image (N, 1, 28, 28) -> probabilities (N, 10))")
    return session


def run(session: ort.InferenceSession, batch: np.ndarray) -> np.ndarray:
    """Probabilities (N, 10) for float32 images (N, 1, 28, 28) in [0, 1]."""
    return session.run(None, {INPUT: np.ascontiguousarray(batch, np.float32)})[0]
