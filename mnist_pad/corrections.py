"""The user's corrections: drawings the model got wrong, with the right label.

A JSON-lines file, append-only, one record per line, flushed and fsynced per append:
    {"strokes": [[[x, y], ...], ...], "label": 7, "brush_width": 12.0, "canvas_size": 280, "time": "..."}
Reading skips torn or garbage lines and says how many it skipped, so one bad line never
costs the user the rest of their drawings. Every size a line can declare is bounded (file,
line, records, strokes, points, canvas, brush), and deleting keeps every line it was not asked
to remove, unreadable ones and ones saved since the list was read included.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from .drawing import Strokes
from .files import write_atomic
from .raster import MAX_BRUSH, MAX_CANVAS

MAX_FILE_BYTES = 16 * 2**20
MAX_LINE_BYTES = 2**20
MAX_RECORDS = 10_000
MAX_STROKES = 1_000     # in one drawing
MAX_POINTS = 20_000     # in one drawing, all strokes together


class CorrectionsError(OSError):
    """The corrections file cannot be written or read at all (permissions, full disk)."""


@dataclass(frozen=True)
class Correction:
    strokes: tuple[tuple[tuple[float, float], ...], ...]
    label: int
    brush_width: float
    canvas_size: int
    time: str = ""
    line_id: str = field(default="", compare=False)  # names the file line it was read from (see delete)

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
        raise ValueError(f"a correction needs a drawing (at most {MAX_STROKES:,} strokes, {MAX_POINTS:,} points), "
                         f"a label 0-9, a brush width up to {MAX_BRUSH:g} px and a canvas up to {MAX_CANVAS} px")
    return Correction(correction.strokes, label, float(brush_width), int(canvas_size),
                      datetime.now(timezone.utc).isoformat(timespec="seconds"))


def append(path: os.PathLike | str, correction: Correction) -> None:
    """Append one record durably; a torn earlier last line is closed off first."""
    _append_lines(path, [correction.to_json().encode()], "save the correction")


def restore(path: os.PathLike | str, lines: Iterable[bytes]) -> None:
    """Put back lines that delete() removed, byte for byte (so their line ids stay the same), at the end."""
    _append_lines(path, [line.strip() for line in lines if line.strip()], "restore the drawings")


def _append_lines(path: os.PathLike | str, lines: list[bytes], doing: str) -> None:
    path = Path(path)
    try:
        if path.exists() and path.stat().st_size >= MAX_FILE_BYTES:
            raise CorrectionsError(f"cannot {doing}: {path} has reached the {MAX_FILE_BYTES // 2**20} MiB "
                                   "limit; delete some drawings in Model → My drawings…")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as file:
            if file.tell() > 0 and not _ends_with_newline(path):
                file.write(b"\n")
            file.write(b"".join(line + b"\n" for line in lines))
            file.flush()
            os.fsync(file.fileno())
    except CorrectionsError:
        raise
    except OSError as error:
        raise CorrectionsError(f"cannot {doing} to {path}: {error.strerror or error}") from None


def load(path: os.PathLike | str) -> tuple[list[Correction], int]:
    """All good records and the number of lines skipped; a missing file is an empty list."""
    records, skipped = [], 0
    for line in _read_lines(path):
        correction = _parse_line(line)
        if correction is None:
            skipped += 1
            continue
        records.append(correction)
        if len(records) > MAX_RECORDS:
            raise CorrectionsError(f"{path} holds more than {MAX_RECORDS:,} drawings, the most this app reads; "
                                   "move it away to start a new one")
    return records, skipped


def delete(path: os.PathLike | str, line_ids: Iterable[str]) -> list[bytes]:
    """Remove the records read with these line ids; every other line stays as it is (atomic rewrite).

    The file is read afresh, so records saved since the caller's list was read, and lines that
    could not be read as records, are kept. Returns the removed lines, for restore() to undo.
    """
    doomed = Counter(line_ids)
    kept, removed = [], []
    for line in _read_lines(path):
        identity = _line_id(line)
        if doomed[identity] > 0:
            doomed[identity] -= 1
            removed.append(line)
        else:
            kept.append(line + b"\n")
    try:
        write_atomic(path, b"".join(kept))
    except OSError as error:
        raise CorrectionsError(f"cannot rewrite {path}: {error.strerror or error}") from None
    return removed


def _read_lines(path: os.PathLike | str) -> list[bytes]:
    """The file's non-blank lines, read with every bound checked first; a missing file has none."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if not path.is_file():  # a FIFO would block for ever, /dev/zero never ends
            raise CorrectionsError(f"cannot read corrections from {path}: not a regular file (a pipe or a device?)")
        if size > MAX_FILE_BYTES:
            raise CorrectionsError(f"{path} is {size / 2**20:.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB limit "
                                   "for corrections; move it away to start a new one")
        with open(path, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return []
    except OSError as error:
        raise CorrectionsError(f"cannot read corrections from {path}: {error.strerror or error}") from None
    return [line for line in raw[:MAX_FILE_BYTES].splitlines() if line.strip()]


def _line_id(line: bytes) -> str:
    return hashlib.sha256(line.strip()).hexdigest()[:24]


def _parse_line(line: bytes) -> Correction | None:
    if len(line) > MAX_LINE_BYTES:
        return None
    try:
        correction = _parse(json.loads(line))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: JSON nested thousands deep
        return None
    return None if correction is None else replace(correction, line_id=_line_id(line))


def _parse(record: object) -> Correction | None:
    if not isinstance(record, dict):
        return None
    label, width, size, strokes = (record.get(k) for k in ("label", "brush_width", "canvas_size", "strokes"))
    if type(label) is not int or not 0 <= label <= 9:
        return None
    if not isinstance(width, (int, float)) or not math.isfinite(width) or not 0 < width <= MAX_BRUSH:
        return None
    if type(size) is not int or not 1 <= size <= MAX_CANVAS or not isinstance(strokes, list) or len(strokes) > MAX_STROKES:
        return None
    if sum(len(stroke) if isinstance(stroke, list) else 0 for stroke in strokes) > MAX_POINTS:
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
