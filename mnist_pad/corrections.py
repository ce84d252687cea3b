"""The user's corrections: drawings the model got wrong, with the right label.

A JSON-lines file, append-only, one record per line, flushed and fsynced per append:
    {"strokes": [[[x, y], ...], ...], "label": 7, "brush_width": 12.0, "canvas_size": 280, "time": "..."}
Reading skips torn or garbage lines and says how many it skipped, so one bad line never
costs the user the rest of their drawings.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .files import write_atomic
from .drawing import Strokes


class CorrectionsError(OSError):
    """The corrections file cannot be written or read at all (permissions, full disk)."""


@dataclass(frozen=True)
class Correction:
    strokes: tuple[tuple[tuple[float, float], ...], ...]
    label: int
    brush_width: float
    canvas_size: int
    time: str = ""

    def to_json(self) -> str:
        return json.dumps({
            "strokes": [[[round(x, 2), round(y, 2)] for x, y in s] for s in self.strokes],
            "label": self.label, "brush_width": self.brush_width,
            "canvas_size": self.canvas_size, "time": self.time,
        }, separators=(",", ":"))


def make(strokes: Strokes, label: int, brush_width: float, canvas_size: int) -> Correction:
    """A validated correction stamped with the current time."""
    record = {"strokes": [[list(p) for p in s] for s in strokes], "label": label,
              "brush_width": brush_width, "canvas_size": canvas_size}
    correction = _parse(record)
    if correction is None:
        raise ValueError("a correction needs a drawing, a label 0-9, a positive brush width and canvas size")
    return Correction(correction.strokes, label, float(brush_width), int(canvas_size),
                      datetime.now(timezone.utc).isoformat(timespec="seconds"))


def append(path: os.PathLike | str, correction: Correction) -> None:
    """Append one record durably; a torn earlier last line is closed off first."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as file:
            if file.tell() > 0 and not _ends_with_newline(path):
                file.write(b"\n")
            file.write(correction.to_json().encode() + b"\n")
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:
        raise CorrectionsError(f"cannot save the correction to {path}: {error.strerror or error}") from None


def load(path: os.PathLike | str) -> tuple[list[Correction], int]:
    """All good records and the number of lines skipped; a missing file is an empty list."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return [], 0
    except OSError as error:
        raise CorrectionsError(f"cannot read corrections from {path}: {error.strerror or error}") from None
    records, skipped = [], 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        try:
            correction = _parse(json.loads(line))
        except (ValueError, UnicodeDecodeError):
            correction = None
        if correction is None:
            skipped += 1
        else:
            records.append(correction)
    return records, skipped


def rewrite(path: os.PathLike | str, corrections: list[Correction]) -> None:
    """Replace the file with exactly these records, atomically (used to delete records)."""
    data = "".join(c.to_json() + "\n" for c in corrections).encode()
    try:
        write_atomic(path, data)
    except OSError as error:
        raise CorrectionsError(f"cannot rewrite {path}: {error.strerror or error}") from None


def _parse(record: object) -> Correction | None:
    if not isinstance(record, dict):
        return None
    label, width, size, strokes = (record.get(k) for k in ("label", "brush_width", "canvas_size", "strokes"))
    if type(label) is not int or not 0 <= label <= 9:
        return None
    if not isinstance(width, (int, float)) or not math.isfinite(width) or width <= 0:
        return None
    if type(size) is not int or size <= 0 or not isinstance(strokes, list):
        return None
    parsed = []
    for stroke in strokes:
        if not isinstance(stroke, list):
            return None
        points = []
        for point in stroke:
            if not (isinstance(point, list) and len(point) == 2 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in point)):
                return None
            points.append((float(point[0]), float(point[1])))
        if points:
            parsed.append(tuple(points))
    if not parsed:
        return None
    return Correction(tuple(parsed), label, float(width), size, str(record.get("time", "")))


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"
