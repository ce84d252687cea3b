"""Core without Qt: drawing history, the rasterizer and MNIST-style preprocessing."""
from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_pad.drawing import Drawing
from mnist_pad.picture import ink_from_picture
from mnist_pad.preprocess import SIZE, centre_of_mass, to_mnist
from mnist_pad.raster import StrokeError, rasterize

SEVEN = [[(60, 60), (200, 60), (120, 230)], [(100, 140), (170, 140)]]


def shifted(strokes, dx, dy, scale=1.0):
    return [[(x * scale + dx, y * scale + dy) for x, y in s] for s in strokes]


def test_drawing_undo_redo_clear_sequence():
    drawing = Drawing()
    for x in range(5):
        drawing.add_point(x, x)
    assert drawing.drawing_stroke and len(drawing.strokes) == 1
    drawing.end_stroke()
    drawing.begin_stroke(10, 10)
    drawing.add_point(20, 20)
    drawing.end_stroke()
    assert len(drawing.strokes) == 2
    drawing.clear()
    assert drawing.is_empty()
    assert drawing.undo() and len(drawing.strokes) == 2
    assert drawing.undo() and len(drawing.strokes) == 1
    assert drawing.redo() and len(drawing.strokes) == 2
    drawing.begin_stroke(1, 1)
    drawing.end_stroke()
    assert not drawing.redo(), "a new stroke discards the redo history"
    assert drawing.undo() and drawing.undo() and drawing.undo()
    assert drawing.is_empty() and not drawing.undo()


def test_drawing_skips_repeated_points_and_snapshots_are_immutable():
    drawing = Drawing()
    drawing.begin_stroke(1, 2)
    drawing.add_point(1, 2)
    drawing.add_point(3, 4)
    snapshot = drawing.strokes
    drawing.add_point(5, 6)
    assert snapshot == (((1.0, 2.0), (3.0, 4.0)),)
    assert len(drawing.strokes[0]) == 3


def _drawn(points, tolerance):
    drawing = Drawing()
    drawing.begin_stroke(*points[0])
    for point in points[1:]:
        drawing.add_point(*point, tolerance)
    drawing.end_stroke()
    return drawing.strokes[0]


def stray(points, stroke) -> float:
    """How far the farthest of `points` lies from the polyline `stroke`."""
    points, line = np.asarray(points, float), np.asarray(stroke, float)
    start, along = line[:-1], np.diff(line, axis=0)
    offsets = points[:, None, :] - start[None]
    t = np.clip((offsets * along).sum(axis=2) / np.maximum((along * along).sum(axis=1), 1e-12), 0, 1)
    return float(np.hypot(*(offsets - t[..., None] * along).transpose(2, 0, 1)).min(axis=1).max())


def test_a_tolerance_keeps_a_stroke_within_it_of_every_point_in_far_fewer_points():
    # a circle and a line as a mouse gives them on a canvas three times the drawing's size: every third of a pixel
    angles = np.linspace(0, 2 * np.pi, 1500)
    circle = [tuple(np.round(point * 3) / 3) for point in np.c_[140 + 80 * np.cos(angles), 140 + 80 * np.sin(angles)]]
    line = [(60 + x / 3, 100 + x / 9) for x in range(600)]
    for points in (circle, line):
        stroke = _drawn(points, 1 / 6)
        assert stroke[0] == points[0] and stroke[-1] == points[-1] and set(stroke) <= set(points)
        assert len(stroke) < len(points) / 3 and stray(points, stroke) <= 1 / 6
    assert len(_drawn(line, 1 / 6)) < len(line) / 12  # a point every RUN_REACH tolerances
    given = tuple(point for index, point in enumerate(circle) if index == 0 or point != circle[index - 1])
    assert _drawn(circle, 0.0) == given, "no tolerance: every point given is kept (but repeats)"


def test_a_straight_run_of_sparse_points_stretches_a_segment_only_so_far():
    from mnist_pad.drawing import RUN_REACH

    line = [(10.0 + 7 * step, 50.0) for step in range(30)]  # a fast mouse: a point every 7 px
    stroke = np.asarray(_drawn(line, 1.0))
    lengths = np.hypot(*np.diff(stroke, axis=0).T)
    assert len(stroke) < len(line) and lengths.max() <= RUN_REACH and (stroke[[0, -1]] == [line[0], line[-1]]).all()


def test_a_tolerance_keeps_the_turn_of_a_stroke_that_doubles_back():
    # along a line and back over it: every point lies on the line from the start to the end, not near the segment
    there_and_back = [(x, 100.0) for x in range(50, 151)] + [(x, 100.0) for x in range(149, 89, -1)]
    stroke = _drawn(there_and_back, 0.5)
    assert (150.0, 100.0) in stroke and stray(there_and_back, stroke) <= 0.5
    tiny = [(10.0, 10.0), (10.2, 10.0), (10.0, 10.0), (10.1, 10.1)]
    assert stray(tiny, _drawn(tiny, 0.5)) <= 0.5


def test_rasterize_is_white_on_black_and_width_changes_ink():
    thin = rasterize(SEVEN, 4, 280)
    thick = rasterize(SEVEN, 30, 280)
    assert thin.shape == (280, 280) and thin.dtype == np.uint8
    assert thin.max() == 255 and thin[0, 0] == 0
    assert (thick > 127).sum() > 5 * (thin > 127).sum()


def test_single_click_is_a_round_dot_of_the_brush_diameter():
    canvas = rasterize([[(140, 140)]], 20, 280)
    ys, xs = np.nonzero(canvas > 127)
    assert abs((xs.max() - xs.min() + 1) - 20) <= 2 and abs((ys.max() - ys.min() + 1) - 20) <= 2
    area = (canvas > 127).sum()
    assert abs(area - math.pi * 10**2) < 0.15 * math.pi * 10**2


def test_round_caps_extend_a_line_by_half_the_width():
    canvas = rasterize([[(100, 140), (180, 140)]], 20, 280)
    xs = np.nonzero(canvas[140] > 127)[0]
    assert xs.min() <= 91 and xs.max() >= 189


def test_ten_thousand_point_stroke_renders():
    t = np.linspace(0, 20 * np.pi, 10_000)
    stroke = list(zip(140 + 100 * np.cos(t) * t / t.max(), 140 + 100 * np.sin(t) * t / t.max()))
    image = to_mnist(rasterize([stroke], 8, 280)).image
    assert image.any()


def test_a_million_point_stroke_renders():
    t = np.linspace(0, 40 * np.pi, 1_000_000)
    stroke = np.stack([140 + 100 * np.cos(t), 140 + 100 * np.sin(t)], axis=1)
    assert to_mnist(rasterize([stroke], 8, 280)).image.any()


def test_zero_length_stroke_is_a_dot():
    canvas = rasterize([[(140, 140), (140, 140)]], 10, 280)
    assert 60 < (canvas > 127).sum() < 100


def test_non_finite_points_are_dropped_and_outside_points_clipped():
    strokes = [[(float("nan"), 5), (50, 50), (float("inf"), 3), (120, 130)], [(-500, -500), (1e9, 1e9)]]
    canvas = rasterize(strokes, 6, 280)
    assert canvas.shape == (280, 280) and canvas.any()
    assert not rasterize([[(float("nan"), float("nan"))]], 6, 280).any()


@pytest.mark.parametrize("bad", [[[(1, 2, 3)]], [["ab"]], [[(1, 2), (3,)]]])
def test_malformed_strokes_raise_a_clear_error(bad):
    with pytest.raises(StrokeError, match="stroke 0"):
        rasterize(bad, 6, 280)


@pytest.mark.parametrize("width", [0, -3, float("nan")])
def test_bad_brush_width_is_refused(width):
    with pytest.raises(StrokeError, match="brush_width"):
        rasterize(SEVEN, width, 280)


def test_empty_canvas_is_an_explicit_nothing_drawn_result():
    result = to_mnist(rasterize([], 10, 280))
    assert result.empty and result.image.shape == (SIZE, SIZE)
    assert to_mnist(rasterize([[]], 10, 280)).empty


def test_centre_of_mass_is_at_14_14():
    for strokes in (SEVEN, shifted(SEVEN, 40, -30, 0.5), [[(10, 10), (30, 200)]]):
        for width in (4, 12, 40):
            x, y = centre_of_mass(to_mnist(rasterize(strokes, width, 280)).image)
            assert abs(x - 14) < 0.5 and abs(y - 14) < 0.5, (width, x, y)


def test_longer_side_is_scaled_to_20_pixels():
    image = to_mnist(rasterize(SEVEN, 10, 280)).image
    ys, xs = np.nonzero(image > 30)
    assert 19 <= max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) <= 22


def test_translation_invariance():
    small = shifted(SEVEN, 0, 0, 0.4)  # 56..80 x 24..92 box, moved to a corner and to the centre
    corner = to_mnist(rasterize(shifted(small, -20, -20), 6, 280)).image.astype(float)
    centre = to_mnist(rasterize(shifted(small, 90, 80), 6, 280)).image.astype(float)
    assert np.abs(corner - centre).mean() < 2.0


def test_scale_invariance():
    small = to_mnist(rasterize(shifted(SEVEN, 40, 40, 0.5), 6, 280)).image.astype(float)
    large = to_mnist(rasterize(SEVEN, 12, 280)).image.astype(float)
    assert np.abs(small - large).mean() < 4.0


def test_thin_brush_reaches_full_intensity_after_downscale():
    image = to_mnist(rasterize(SEVEN, 3, 280)).image
    assert image.max() > 180


@pytest.mark.parametrize("dark_on_light", [True, False])
def test_picture_of_either_polarity_gives_the_same_ink(dark_on_light):
    ink = rasterize(SEVEN, 14, 280)
    picture = 255 - ink if dark_on_light else ink
    from_picture = to_mnist(ink_from_picture(picture)).image.astype(float)
    assert np.abs(from_picture - to_mnist(ink).image).mean() < 3.0


@pytest.mark.parametrize("value", [0, 255, 128])
def test_flat_pictures_have_no_digit(value):
    assert to_mnist(ink_from_picture(np.full((40, 30), value, np.uint8))).empty
