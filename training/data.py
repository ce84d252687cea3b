"""MNIST as uint8 tensors in memory, verified; pen-drawn digits and corrections rendered into banks.

MNIST comes through torchvision.datasets.MNIST (which downloads missing files and checks their
MD5); before torchvision reads anything, the four raw files are checked against the canonical
SHA-256 values below, so a truncated or corrupted file is an error, never training data.
Everything derived here is deterministic, so it is kept in training.cache, keyed by the source
files' hashes, the preprocessing version and the rendering parameters: a second run only reads it.
"""
from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path

import numpy as np
import torch

from mnist_pad import corrections as corrections_store
from mnist_pad import pendigits
from mnist_pad.preprocess import PREPROCESS_VERSION, to_mnist
from mnist_pad.raster import CANVAS_SIZE, rasterize

from . import cache

RAW_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
SIZES = {True: 60_000, False: 10_000}
BANK_VERSION = 1  # bump when render_bank changes what it produces
PROGRESS_EVERY = 200  # drawings between progress reports while rendering


def _no_progress(fraction: float) -> None:
    """Progress callbacks take the fraction done (0..1)."""


class DataError(Exception):
    """Training data that is missing or unusable; the message says what to do about it."""


def raw_dir(data_dir: os.PathLike | str) -> Path:
    """Where torchvision keeps the four MNIST files under `data_dir`."""
    return Path(data_dir) / "MNIST" / "raw"


def verify_raw_files(data_dir: os.PathLike | str) -> None:
    """Check each raw MNIST file against its canonical SHA-256; raise DataError on any mismatch."""
    folder = raw_dir(data_dir)
    for name, expected in RAW_SHA256.items():
        path = folder / name
        if path.exists() and not path.is_file():  # a FIFO would block for ever, /dev/zero never ends
            raise DataError(f"{path} is not a regular file (a pipe or a device?); put the MNIST file itself there")
        try:
            digest = cache.file_sha256(path)
        except OSError as error:
            raise DataError(f"cannot read {path}: {error.strerror or error}") from None
        if digest != expected:
            raise DataError(
                f"{path} is corrupted or truncated ({path.stat().st_size:,} bytes, SHA-256 does not match "
                f"the published file). Delete it and run again to download it, or replace it with the original.")


def _missing(data_dir: os.PathLike | str) -> list[str]:
    return [name for name in RAW_SHA256 if not (raw_dir(data_dir) / name).exists()]


def load_mnist(data_dir: os.PathLike | str, train: bool, download: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST images (N, 28, 28) uint8 and labels (N,) int64, downloading missing files if allowed.

    The raw files are verified on every call; the decoded tensors come from the cache when it holds them.
    """
    data_dir = Path(data_dir).expanduser()
    if _missing(data_dir):
        _download(data_dir, train, download)
    verify_raw_files(data_dir)
    split = "train" if train else "t10k"
    key = {"mnist": split, "sha256": {k: v for k, v in RAW_SHA256.items() if k.startswith(split)}}
    arrays = cache.cached(f"mnist-{split}", key, lambda: _decode_mnist(data_dir, train))
    return torch.from_numpy(arrays["images"]), torch.from_numpy(arrays["labels"])


def _download(data_dir: Path, train: bool, download: bool) -> None:
    from torchvision import datasets

    if not download:
        raise DataError(_where_to_put_files(data_dir, "downloading is off"))
    try:
        # torchvision prints its chatter to stdout, which carries JSON progress: send it to stderr.
        with contextlib.redirect_stdout(sys.stderr):
            datasets.MNIST(str(data_dir), train=train, download=True)
    except (OSError, RuntimeError) as error:
        raise DataError(_where_to_put_files(data_dir, _download_failure(error))) from None
    if _missing(data_dir):
        raise DataError(_where_to_put_files(data_dir, "the download did not produce them"))


def _decode_mnist(data_dir: Path, train: bool) -> dict[str, np.ndarray]:
    """The verified raw files decoded by torchvision and checked for shape and label range."""
    from torchvision import datasets

    try:
        dataset = datasets.MNIST(str(data_dir), train=train, download=False)
    except (OSError, RuntimeError, ValueError) as error:
        raise DataError(f"MNIST files in {raw_dir(data_dir)} cannot be read: {error}") from None
    images, labels = dataset.data, dataset.targets
    expected = SIZES[train]
    if images.dtype != torch.uint8 or tuple(images.shape) != (expected, 28, 28) or tuple(labels.shape) != (expected,):
        raise DataError(f"MNIST {'train' if train else 'test'} data in {raw_dir(data_dir)} has shape "
                        f"{tuple(images.shape)}/{tuple(labels.shape)}, expected ({expected}, 28, 28)/({expected},)")
    if int(labels.min()) < 0 or int(labels.max()) > 9:
        raise DataError(f"MNIST labels in {raw_dir(data_dir)} are outside 0-9")
    return {"images": images.contiguous().numpy(), "labels": labels.long().numpy()}


def _where_to_put_files(data_dir: Path, reason: str) -> str:
    names = ", ".join(RAW_SHA256)
    return (f"MNIST files are missing in {raw_dir(data_dir)} and {reason}. Without internet, put the four "
            f"uncompressed files ({names}) there, or pass --data-dir with a folder that holds MNIST/raw/.")


def _download_failure(error: Exception) -> str:
    # torchvision lists every mirror it tried; the underlying cause is the same for all of them.
    cause = re.search(r"<urlopen error (.*?)>", str(error))
    return f"could not be downloaded ({cause.group(1) if cause else str(error).splitlines()[0]})"


def render_bank(drawings: list, labels: list[int], widths_per_drawing: int, seed: int,
                min_width: float = 3.0, max_width: float = 55.0, progress=_no_progress) -> tuple[torch.Tensor, torch.Tensor]:
    """Render each drawing (fitted strokes) at random brush widths through the real preprocessing.

    Widths are log-uniform so thin brushes, where the model is weakest, get as many samples as thick ones.
    Returns uint8 images (N, 28, 28) and int64 labels (N,).
    """
    rng = np.random.default_rng(seed)
    images, kept = [], []
    for index, (strokes, label) in enumerate(zip(drawings, labels)):
        if index % PROGRESS_EVERY == 0:
            progress(index / max(1, len(drawings)))
        for width in np.exp(rng.uniform(np.log(min_width), np.log(max_width), widths_per_drawing)):
            image = to_mnist(rasterize(strokes, float(width), CANVAS_SIZE))
            if not image.empty:
                images.append(image.image)
                kept.append(label)
    if not images:
        return torch.zeros((0, 28, 28), dtype=torch.uint8), torch.zeros((0,), dtype=torch.long)
    return torch.from_numpy(np.stack(images)), torch.tensor(kept, dtype=torch.long)


def _bank_key(path: os.PathLike | str, widths_per_drawing: int, seed: int,
              eval_writers: frozenset[int] = pendigits.EVAL_WRITERS) -> dict:
    """What a rendered bank depends on: the source bytes, the preprocessing and the rendering parameters."""
    try:
        source = cache.file_sha256(path)
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
    return {"source_sha256": source, "preprocess_version": PREPROCESS_VERSION, "bank_version": BANK_VERSION,
            "widths_per_drawing": widths_per_drawing, "seed": seed, "canvas": CANVAS_SIZE,
            "eval_writers": sorted(eval_writers)}


def _as_arrays(bank: tuple[torch.Tensor, torch.Tensor]) -> dict[str, np.ndarray]:
    return {"images": bank[0].numpy(), "labels": bank[1].numpy()}


def _as_tensors(arrays: dict[str, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.from_numpy(arrays["images"]), torch.from_numpy(arrays["labels"])


def pen_digit_bank(path: os.PathLike | str, widths_per_drawing: int, seed: int, progress=_no_progress, say=None,
                   held_out: frozenset[int] = pendigits.EVAL_WRITERS) -> tuple[torch.Tensor, torch.Tensor]:
    """Pen-drawn digits of the training writers (never those `held_out`) rendered at random widths."""
    def build() -> dict[str, np.ndarray]:
        try:
            digits = pendigits.load(path)
        except pendigits.PendigitsError as error:
            raise DataError(str(error)) from None
        train = [d for d in digits if d.writer not in held_out]
        return _as_arrays(render_bank([d.fitted(CANVAS_SIZE) for d in train], [d.label for d in train],
                                      widths_per_drawing, seed, progress=progress))
    return _as_tensors(cache.cached("pendigits", _bank_key(path, widths_per_drawing, seed, held_out), build, say))


def corrections_bank(path: os.PathLike | str, widths_per_drawing: int, seed: int,
                     progress=_no_progress, say=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The user's corrections rescaled to a 280 px canvas and rendered at random widths."""
    def build() -> dict[str, np.ndarray]:
        try:
            records, _skipped = corrections_store.load(path)
        except corrections_store.CorrectionsError as error:
            raise DataError(str(error)) from None
        drawings = [[np.asarray(s, np.float64) * (CANVAS_SIZE / r.canvas_size) for s in r.strokes] for r in records]
        return _as_arrays(render_bank(drawings, [r.label for r in records], widths_per_drawing, seed, progress=progress))
    if not Path(path).exists():
        return _as_tensors(build())
    return _as_tensors(cache.cached("corrections", _bank_key(path, widths_per_drawing, seed), build, say))


def heldout_pen_renders(path: os.PathLike | str, widths: tuple, progress=_no_progress, say=None,
                        writers: frozenset[int] = pendigits.EVAL_WRITERS) -> tuple[np.ndarray, np.ndarray]:
    """The pen digits of `writers` (the evaluation writers) rendered at each brush width through the real preprocessing.

    Returns uint8 images (len(widths), N, 28, 28) and labels (N,): exactly what the Recognizer feeds its
    model for these strokes, rendered once and cached, so the final evaluation is inference only.
    """
    def build() -> dict[str, np.ndarray]:
        try:
            digits = [d for d in pendigits.load(path) if d.writer in writers]
        except pendigits.PendigitsError as error:
            raise DataError(str(error)) from None
        drawings = [d.fitted(CANVAS_SIZE) for d in digits]
        images = np.zeros((len(widths), len(drawings), 28, 28), np.uint8)
        for row, width in enumerate(widths):
            progress(row / len(widths))
            for column, strokes in enumerate(drawings):
                images[row, column] = to_mnist(rasterize(strokes, float(width), CANVAS_SIZE)).image
        return {"images": images, "labels": np.array([d.label for d in digits], np.int64)}
    key = dict(_bank_key(path, 0, 0, writers), heldout_widths=[float(w) for w in widths])
    arrays = cache.cached("pendigits-heldout", key, build, say)
    return arrays["images"], arrays["labels"]
