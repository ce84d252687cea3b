"""Drawings saved as PNG keep their strokes; a hostile strokes chunk is refused in words, never run."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from mnist_pad import saved_drawing
from mnist_pad.images import read_gray, read_gray_and_text
from mnist_pad.raster import MAX_STROKES, rasterize
from mnist_pad.saved_drawing import KEY, DrawingFileError, SavedDrawing, from_text, png_bytes, to_text

SEVEN = ((70.25, 60.0), (120.0, 58.5), (210.0, 60.0), (150.0, 180.0), (130.0, 235.0))
BAR = ((90.0, 150.0), (190.0, 150.0))


def test_a_saved_png_shows_the_drawing_and_gives_back_its_strokes(tmp_path):
    drawing = SavedDrawing((SEVEN, BAR, ((40.0, 40.0),)), 18.0, (280, 280))
    data, kept = png_bytes(drawing)
    path = tmp_path / "seven.png"
    path.write_bytes(data)
    gray, text = read_gray_and_text(path, KEY)
    assert kept
    np.testing.assert_array_equal(gray, 255 - rasterize(drawing.strokes, 18.0, 280))  # what any viewer shows
    assert from_text(text) == drawing
    assert read_gray_and_text(path)[1] is None  # no key asked for, no text read


def test_a_wide_number_canvas_is_saved_at_its_size(tmp_path):
    drawing = SavedDrawing((SEVEN, tuple((x + 560, y) for x, y in SEVEN)), 12.0, (840, 280))
    path = tmp_path / "number.png"
    path.write_bytes(png_bytes(drawing)[0])
    gray = read_gray(path)
    assert gray.shape == (280, 840)
    assert (gray[:, :280] < 128).any() and (gray[:, 560:] < 128).any() and not (gray[:, 300:540] < 128).any()
    assert from_text(read_gray_and_text(path, KEY)[1]).canvas == (840, 280)


def test_a_drawing_too_large_for_its_chunk_is_saved_as_the_picture_alone(monkeypatch):
    monkeypatch.setattr(saved_drawing, "MAX_TEXT", 50)
    data, kept = png_bytes(SavedDrawing((SEVEN,), 8.0, (280, 280)))
    assert not kept and KEY not in Image.open(__import__("io").BytesIO(data)).text


def chunk(**changes) -> str:
    data = json.loads(to_text(SavedDrawing((SEVEN,), 8.0, (280, 280))))
    data.update(changes)
    return json.dumps(data, separators=(",", ":"))


@pytest.mark.parametrize("text, says", [
    ("{not json", "not valid JSON"),
    ("[" * 600_000 + "]" * 600_000, "characters"),
    ("[" * 100_000, "not valid JSON"),  # nesting too deep for the parser: refused, not a crash
    ("[1, 2]", "not one mnist-pad wrote"),
    (chunk(format="something else"), "not one mnist-pad wrote"),
    (chunk(version=2), "format version 2"),
    (chunk(canvas=[0, 280]), "canvas"),
    (chunk(canvas=[True, 280]), "canvas"),
    (chunk(canvas="280"), "canvas"),
    (chunk(brush_width="wide"), "brush_width"),
    (chunk(brush_width=-3), "brush_width"),
    (chunk(strokes={"a": 1}), "must be a list"),
    (chunk(strokes=[[["1", "2"], ["3", "4"]]]), "real (x, y) numbers"),
    (chunk(strokes=[[[1, 2, 3]]]), "list of (x, y) points"),
    (chunk(strokes=[[[1e400, 5], [float("nan"), 7]]]), "no strokes"),
    (chunk(strokes=[]), "no strokes"),
    (chunk(strokes=[[[10**400, 5]]]), "real (x, y) numbers"),
])
def test_a_hostile_or_damaged_chunk_is_refused_in_words(text, says):
    with pytest.raises(DrawingFileError, match=says.replace("(", r"\(").replace(")", r"\)")):
        from_text(text)


def test_points_outside_the_canvas_are_clipped_and_the_stroke_limit_holds():
    assert from_text(chunk(strokes=[[[-50, 10], [900, 300]]])).strokes == (((0.0, 10.0), (280.0, 280.0)),)
    many = chunk(strokes=[[[1, 2]]] * (MAX_STROKES + 1))
    assert len(many) <= saved_drawing.MAX_TEXT  # within the size read: the rasterizer's own limit refuses it
    with pytest.raises(DrawingFileError, match="at most 100,000 strokes"):
        from_text(many)


def test_a_png_from_elsewhere_with_a_forged_chunk_still_opens_as_a_picture(tmp_path):
    info = PngImagePlugin.PngInfo()
    info.add_text(KEY, "[" * 50_000)
    path = tmp_path / "forged.png"
    Image.new("L", (40, 40), 255).save(path, pnginfo=info)
    gray, text = read_gray_and_text(path, KEY)
    assert gray.shape == (40, 40)
    with pytest.raises(DrawingFileError):
        from_text(text)
