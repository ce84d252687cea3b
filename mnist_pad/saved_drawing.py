"""A drawing saved as PNG keeps its strokes: the picture for any viewer, the vectors for mnist-pad.

File → Save drawing as PNG writes the strokes at the brush width, dark ink on white, and puts the
strokes themselves (canvas pixels), the brush width and the canvas size in one compressed text chunk
of the PNG, KEY. Opening the file in mnist-pad brings the drawing back, not a picture of it: the
brush slider re-renders it at any width. Other programs show the picture and ignore the chunk.

The chunk is read as untrusted input: JSON of a fixed shape, within the rasterizer's limits.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np

from .drawing import Strokes
from .raster import MAX_CANVAS, StrokeError, check_brush_width, rasterize, stroke_arrays

KEY = "mnist-pad drawing"
FORMAT = "mnist-pad-drawing"
VERSION = 1
# Pillow refuses a text chunk that inflates past 1 MiB (PngImagePlugin.MAX_TEXT_CHUNK): a drawing
# whose strokes need more (tens of thousands of points) is saved as a picture alone.
MAX_TEXT = 1_000_000


class DrawingFileError(ValueError):
    """A drawing chunk that cannot be read back as strokes."""


@dataclass(frozen=True)
class SavedDrawing:
    """Strokes in canvas pixels, the brush width they were saved at, and the canvas (width, height)."""

    strokes: tuple[tuple[tuple[float, float], ...], ...]
    brush_width: float
    canvas: tuple[int, int]

    @property
    def wide(self) -> bool:
        """Drawn on a number's sheet (Number mode's is 3:1), not on a digit's square canvas."""
        width, height = self.canvas
        return width >= 1.5 * height


def render(strokes: Strokes, brush_width: float, canvas: tuple[int, int]) -> np.ndarray:
    """The strokes at this brush width, dark ink on white, uint8 (height, width)."""
    width, height = _canvas(canvas)
    return 255 - rasterize(strokes, brush_width, max(width, height))[:height, :width]


def png_bytes(drawing: SavedDrawing) -> tuple[bytes, bool]:
    """The PNG file for a drawing, and whether its strokes went in with it (not when over MAX_TEXT)."""
    from PIL import Image, PngImagePlugin

    text = to_text(drawing)
    info = PngImagePlugin.PngInfo()
    kept = len(text) <= MAX_TEXT
    if kept:
        info.add_text(KEY, text, zip=True)
    buffer = io.BytesIO()
    Image.fromarray(render(drawing.strokes, drawing.brush_width, drawing.canvas)).save(buffer, "PNG", pnginfo=info)
    return buffer.getvalue(), kept


def to_text(drawing: SavedDrawing) -> str:
    """The chunk's text: JSON, coordinates to a hundredth of a pixel."""
    strokes = [[[round(float(x), 2), round(float(y), 2)] for x, y in stroke] for stroke in drawing.strokes]
    return json.dumps({"format": FORMAT, "version": VERSION, "canvas": list(drawing.canvas),
                       "brush_width": float(drawing.brush_width), "strokes": strokes}, separators=(",", ":"))


def from_text(text: str) -> SavedDrawing:
    """Read a chunk's text back; DrawingFileError says what is wrong with it."""
    if len(text) > MAX_TEXT:
        raise DrawingFileError(f"its strokes take {len(text):,} characters, over the {MAX_TEXT:,} this app reads")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise DrawingFileError(f"its strokes are not valid JSON ({str(error)[:80]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DrawingFileError("its drawing chunk is not one mnist-pad wrote")
    if data.get("version") != VERSION:
        raise DrawingFileError(f"its strokes were saved in format version {data.get('version')!r:.20}; "
                               f"this mnist-pad reads version {VERSION}")
    try:
        canvas = _canvas(data.get("canvas"))
        brush_width = check_brush_width(data.get("brush_width"))
        raw = data.get("strokes")
        if not isinstance(raw, list):
            raise StrokeError("the strokes must be a list")
        arrays = [np.clip(points, 0, canvas) for points in stroke_arrays(raw, max(canvas))]
    except (StrokeError, TypeError) as error:
        raise DrawingFileError(f"its strokes cannot be drawn: {error}") from None
    if not arrays:
        raise DrawingFileError("its drawing chunk holds no strokes")
    strokes = tuple(tuple((float(x), float(y)) for x, y in points) for points in arrays)
    return SavedDrawing(strokes, brush_width, canvas)


def readable(text: str | None) -> SavedDrawing | None:
    """The drawing in a chunk's text; None when there is none or it cannot be read (the picture is then read)."""
    if text is None:
        return None
    try:
        return from_text(text)
    except DrawingFileError:
        return None


def _canvas(canvas: object) -> tuple[int, int]:
    """(width, height) as whole numbers of pixels from 1 to MAX_CANVAS."""
    if (not isinstance(canvas, (list, tuple)) or len(canvas) != 2
            or not all(isinstance(side, int) and not isinstance(side, bool) and 1 <= side <= MAX_CANVAS
                       for side in canvas)):
        raise StrokeError(f"the canvas must be [width, height] in whole pixels from 1 to {MAX_CANVAS}, "
                          f"got {canvas!r:.40}")
    return int(canvas[0]), int(canvas[1])
