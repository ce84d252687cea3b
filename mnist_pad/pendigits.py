"""Real pen-drawn digits as strokes: the UCI "Pen-Based Recognition of Handwritten Digits" set.

E. Alpaydin and F. Alimoglu (1998), UCI Machine Learning Repository, CC BY 4.0.
Format: UNIPEN-style text; `.SEGMENT DIGIT ... "8"` starts a sample, `.COMMENT digit writer sample`
names its writer, `.PEN_DOWN` / `.PEN_UP` bracket a stroke of "x y" lines (y points up).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .raster import CANVAS_SIZE

TABLET_SIZE = 500
# Writers kept out of any training on pen-drawn digits, so evaluation on them measures unseen hands.
EVAL_WRITERS = frozenset({5, 10, 15, 20, 25, 30})
TRAINING_FILE = Path("pendigits") / "pendigits-orig.tra"  # inside a data folder, as the data README says


def file_in(data_dir: os.PathLike | str) -> Path:
    """Where the pen-digit training file lies in a data folder (DATA_DIR/pendigits/pendigits-orig.tra)."""
    return Path(data_dir) / TRAINING_FILE


class PendigitsError(ValueError):
    """A pendigits file that cannot be read."""


@dataclass(frozen=True)
class PenDigit:
    label: int
    writer: int
    strokes: tuple[np.ndarray, ...]  # each (K, 2) float, screen coordinates (y down)

    def fitted(self, canvas_size: int = CANVAS_SIZE, height: float = 200.0) -> list[np.ndarray]:
        """The strokes scaled so the digit is `height` px tall (width capped too), centred on the canvas."""
        points = np.concatenate(self.strokes)
        low, high = points.min(axis=0), points.max(axis=0)
        extent = np.maximum(high - low, 1e-6)
        scale = min(height / extent[1], height / extent[0])
        centre = (low + high) / 2
        return [(s - centre) * scale + canvas_size / 2 for s in self.strokes]


def load(path: os.PathLike | str) -> list[PenDigit]:
    """Parse a pendigits-orig file into PenDigit samples (strokes with y flipped to point down)."""
    digits: list[PenDigit] = []
    label = writer = None
    strokes: list[np.ndarray] = []
    current: list[tuple[float, float]] | None = None

    def finish() -> None:
        if label is not None and strokes:
            digits.append(PenDigit(label, writer if writer is not None else -1, tuple(strokes)))

    if os.path.exists(path) and not os.path.isfile(path):  # a FIFO would block for ever, /dev/zero never ends
        raise PendigitsError(f"{path}: not a regular file (a pipe or a device?)")
    try:
        with open(path, encoding="latin-1") as file:
            for line in file:
                word = line.split(maxsplit=1)[0] if line.strip() else ""
                if word == ".SEGMENT":
                    finish()
                    label, writer, strokes, current = int(line.split('"')[1]), None, [], None
                    if not 0 <= label <= 9:
                        raise ValueError(f"label {label} is not a digit 0-9: {line.strip()}")
                elif word == ".COMMENT" and label is not None:
                    fields = line.split()
                    if len(fields) >= 3:
                        writer = int(fields[2])
                elif word == ".PEN_DOWN":
                    current = []
                elif word == ".PEN_UP":
                    if current:
                        stroke = np.asarray(current, np.float64)
                        stroke[:, 1] = TABLET_SIZE - stroke[:, 1]
                        strokes.append(stroke)
                    current = None
                elif current is not None and word and not word.startswith("."):
                    x, y = line.split()[:2]
                    current.append((float(x), float(y)))
    except (OSError, IndexError, ValueError) as error:
        raise PendigitsError(f"{path}: cannot read pen-drawn digits ({error})") from None
    finish()
    if not digits:
        raise PendigitsError(f"{path}: no digits found (is it a pendigits-orig file?)")
    return digits
