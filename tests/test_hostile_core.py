"""Hostile values through the core API (issue 16): drawings, strokes, brush, canvas, MNIST arrays, CLI output."""
from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

from mnist_pad.drawing import Drawing
from mnist_pad.raster import MAX_BRUSH, MAX_CANVAS, StrokeError, rasterize


def test_undo_history_grows_with_the_strokes_not_their_square():
    drawing = Drawing()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for index in range(2_000):
        drawing.begin_stroke(index % 280, 5.0)
        drawing.end_stroke()
    drawing.clear()
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert used < 2_000_000, f"{used / 1e6:.1f} MB kept for 2,000 one-point strokes"
    assert drawing.undo() and len(drawing.strokes) == 2_000
    assert drawing.undo() and len(drawing.strokes) == 1_999
    assert drawing.redo() and drawing.redo() and drawing.strokes == ()
    assert drawing.undo() and drawing.undo() and len(drawing.strokes) == 1_999


@pytest.mark.parametrize("brush_width, problem", [
    (32768, f"at most {MAX_BRUSH:g}"), (1e9, "at most"), (None, "must be a number"), ("12", "must be a number"),
    (float("nan"), "above 0"), (0, "above 0"), (True, "must be a number"),
])
def test_bad_brush_widths_raise_stroke_error_naming_the_bound(brush_width, problem):
    with pytest.raises(StrokeError, match=problem):
        rasterize([[(10, 10), (50, 50)]], brush_width, 280)


@pytest.mark.parametrize("canvas_size, problem", [
    (60000, f"from 1 to {MAX_CANVAS}"), (0, "from 1 to"), (280.5, "whole number"), ("280", "whole number"),
    (float("inf"), "whole number"),
])
def test_bad_canvas_sizes_raise_stroke_error_naming_the_bound(canvas_size, problem):
    with pytest.raises(StrokeError, match=problem):
        rasterize([[(10, 10), (50, 50)]], 12, canvas_size)


def test_complex_and_object_points_are_refused():
    with pytest.raises(StrokeError, match="real"):
        rasterize([[(10 + 5j, 10), (50, 50)]], 12, 280)
    with pytest.raises(StrokeError, match="real"):
        rasterize([np.array([[10, 10], [50, 50]], dtype=object)], 12, 280)


def test_too_many_points_or_strokes_are_refused_with_the_bound(monkeypatch):
    from mnist_pad import raster

    monkeypatch.setattr(raster, "MAX_POINTS", 100)
    with pytest.raises(StrokeError, match="at most 100 points"):
        rasterize([[(1, 1)] * 60, [(2, 2)] * 60], 12, 280)
    monkeypatch.setattr(raster, "MAX_STROKES", 3)
    with pytest.raises(StrokeError, match="at most 3 strokes"):
        rasterize([[(1, 1)]] * 4, 12, 280)


@pytest.fixture(scope="module")
def recognizer(tiny_model_path):
    from mnist_pad import Recognizer

    return Recognizer.load(tiny_model_path)


@pytest.mark.parametrize("images, problem", [
    (np.full((2, 28, 28), np.nan), "finite"),
    (np.full((2, 28, 28), 300.0), "0 to 255"),
    (np.empty((2, 28, 28), dtype=object), "numbers"),
    (np.zeros((2, 28, 28), dtype=complex), "numbers"),
])
def test_predict_mnist_refuses_nan_and_object_arrays(recognizer, images, problem):
    with pytest.raises(ValueError, match=problem):
        recognizer.predict_mnist(images)


def test_recognizer_entry_points_raise_stroke_error_for_bad_widths(recognizer):
    with pytest.raises(StrokeError):
        recognizer.predict_strokes([[(10, 10), (50, 50)]], brush_width="12")
    with pytest.raises(StrokeError):
        recognizer.sweep([[(10, 10), (50, 50)]], widths=[4, None])


def _digit_png(path):
    from PIL import Image

    Image.fromarray(255 - rasterize([[(60, 60), (200, 60), (120, 230)]], 16, 280)).save(path)


def test_a_newline_in_a_file_name_cannot_forge_rows(tmp_path, tiny_model_path, capsys):
    from mnist_pad.cli import main

    forged = tmp_path / "a\nforged.png\t7\t1.png"
    _digit_png(forged)
    assert main(["predict", str(forged), "--model", str(tiny_model_path)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and len(rows[1].split("\t")) == 14
    assert rows[1].split("\t")[0] == str(forged).replace("\n", "\\n").replace("\t", "\\t")


def test_predict_piped_into_head_ends_quietly(tmp_path, tiny_model_path):
    picture = tmp_path / "seven.png"
    _digit_png(picture)
    files = " ".join([str(picture)] * 400)
    result = subprocess.run(f"{sys.executable} -m mnist_pad predict --model {tiny_model_path} {files} | head -n 1",
                            shell=True, capture_output=True, text=True, timeout=120)
    assert result.stdout.startswith("file\tdigit")
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
