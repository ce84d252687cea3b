"""The sweep's images (mnist_pad.width_sweep) against the exact ones every prediction sees."""
from __future__ import annotations

import numpy as np
import pytest

from mnist_pad import Recognizer, pendigits
from mnist_pad.preprocess import to_mnist
from mnist_pad.raster import StrokeError, renderer
from mnist_pad.width_sweep import sweep_inputs

WIDTHS = np.geomspace(3, 50, 16)  # the bench's sweep; the app's is 2, 4, ... 50
SEVEN = [[(60, 60), (200, 60), (120, 230)], [(100, 140), (170, 140)]]


def exact(strokes, widths, canvas_size=280):
    render = renderer(strokes, canvas_size)
    return [to_mnist(render(w)) for w in widths]


def grey_levels_apart(ours, theirs) -> np.ndarray:
    return np.array([np.abs(a.image.astype(int) - b.image).mean() for a, b in zip(ours, theirs)])


def mouse_digit(kind: str, centre, height: float, step: float = 3.0) -> list[np.ndarray]:
    """Digit-like strokes sampled every `step` px, as a mouse gives them."""
    t = np.linspace(0, 1, max(3, int(3 * height / step)))
    if kind == "eight":
        strokes = [np.c_[0.3 * np.sin(4 * np.pi * t), 0.5 * np.cos(2 * np.pi * t) - 0.0]]
    elif kind == "two":
        arc = np.c_[0.3 * np.cos(np.pi * (1 - t)), -0.3 - 0.2 * np.sin(np.pi * t)]
        strokes = [np.r_[arc, np.c_[0.3 - 0.6 * t, -0.3 + 0.8 * t], np.c_[-0.3 + 0.6 * t, 0.5 + 0 * t]]]
    else:  # a four: two strokes
        strokes = [np.c_[0.1 - 0.4 * t, -0.5 + 0.7 * t], np.r_[np.c_[-0.3 + 0.6 * t, 0.2 + 0 * t]],
                   np.c_[0.15 + 0 * t, -0.3 + 0.8 * t]]
    return [np.asarray(centre) + height * s for s in strokes]


@pytest.mark.parametrize("kind", ["eight", "two", "four"])
@pytest.mark.parametrize("centre, height", [((140, 140), 200), ((90.3, 170.6), 110), ((200.5, 80.2), 60)])
def test_mouse_drawn_digits_look_as_rendered_exactly_at_every_width(kind, centre, height):
    apart = grey_levels_apart(sweep_inputs(mouse_digit(kind, centre, height), WIDTHS),
                              exact(mouse_digit(kind, centre, height), WIDTHS))
    # Measured: 1.3-2.0 grey levels on average, at most 5.9 (a thin brush on the 110 px eight). The
    # exact images themselves move 0.5-3.0 on average (at most 6.0) when the drawing moves by a third of
    # a pixel.
    assert apart.mean() < 2.5 and apart.max() < 7, apart.round(1)


def test_pen_digits_look_and_read_as_rendered_exactly(pendigits_file):
    """40 real pen digits at 16 widths through the shipped model: the same answers, probabilities close."""
    digits = pendigits.load(pendigits_file)[::187]
    robust = Recognizer.load()
    apart, changed, largest = [], 0, 0.0
    for digit in digits:
        ours, theirs = sweep_inputs(digit.fitted(), WIDTHS), exact(digit.fitted(), WIDTHS)
        apart.extend(grey_levels_apart(ours, theirs))
        p, q = robust.predict_inputs(ours), robust.predict_inputs(theirs)
        changed += int((p.argmax(axis=1) != q.argmax(axis=1)).sum())
        largest = max(largest, float(np.abs(p - q).max()))
    # Measured on 300 digits: 1.0 grey level on average, no answer changed, |dp| at most 0.16.
    assert np.mean(apart) < 1.3 and max(apart) < 6, (np.mean(apart), max(apart))
    assert changed <= len(digits) * len(WIDTHS) // 100 and largest < 0.3, (changed, largest)


def test_dots_strokes_past_the_canvas_edge_and_thin_brushes():
    drawing = [*SEVEN, [(30.0, 40.0)], [(250.0, 250.0), (250.0, 250.0)]]
    assert grey_levels_apart(sweep_inputs(drawing, [3, 7.5, 20, 50]), exact(drawing, [3, 7.5, 20, 50])).max() < 2.5
    dots = [[(60.0, 60.0)], [(200.0, 220.0)], [(100, 200)]]
    assert grey_levels_apart(sweep_inputs(dots, [3, 8, 20, 50]), exact(dots, [3, 8, 20, 50])).max() < 2.5
    clipped = [[(-20, 5), (140, 0), (300, 140)], [(0, 280), (280, 280)], [(np.nan, 3), (140, 140)]]
    assert grey_levels_apart(sweep_inputs(clipped, [3, 12, 50]), exact(clipped, [3, 12, 50])).max() < 4
    assert grey_levels_apart(sweep_inputs(SEVEN, [2, 2.5]), exact(SEVEN, [2, 2.5])).max() < 2.5


def test_the_affine_map_to_the_input_follows_the_crop():
    """Attribution maps go back to the canvas through `to_input`: it places the strokes where they are."""
    points = np.c_[np.concatenate(SEVEN), np.ones(5)]
    for ours, theirs in zip(sweep_inputs(SEVEN, WIDTHS), exact(SEVEN, WIDTHS)):
        assert np.abs(points @ ours.to_input.T - points @ theirs.to_input.T).max() < 0.5


def test_tiny_drawings_and_far_apart_widths_are_rendered_exactly():
    """Where the grid would be too coarse (a drawing under 40 px) or too large (a brush many times the
    drawing on a large canvas), and for brushes under 1.5 px (OpenCV's hairlines), the sweep renders."""
    hairlines = sweep_inputs(SEVEN, [1, 12, 1.4])
    for ours, theirs in zip(hairlines[::2], exact(SEVEN, [1, 1.4])):
        np.testing.assert_array_equal(ours.image, theirs.image)
    assert grey_levels_apart(hairlines[1:2], exact(SEVEN, [12])).max() < 2.5
    tiny = [[(100, 100), (110, 120)]]
    for ours, theirs in zip(sweep_inputs(tiny, [3, 12]), exact(tiny, [3, 12])):
        np.testing.assert_array_equal(ours.image, theirs.image)
    for ours, theirs in zip(sweep_inputs(SEVEN, [3, 1500], 2000), exact(SEVEN, [3, 1500], 2000)):
        np.testing.assert_array_equal(ours.image, theirs.image)
    # On the app's canvas the widest brush covers it: the grid stays small and the images close.
    assert grey_levels_apart(sweep_inputs(SEVEN, [3, 2000]), exact(SEVEN, [3, 2000])).max() < 2.5


def test_nothing_drawn_no_widths_and_bad_widths():
    assert all(item.empty for item in sweep_inputs([], WIDTHS)) and len(sweep_inputs([[]], WIDTHS)) == 16
    assert sweep_inputs(SEVEN, []) == []
    for bad in ([4, None], [4, float("nan")], [0], [1e9]):
        with pytest.raises(StrokeError):
            sweep_inputs(SEVEN, bad)


def test_long_strokes_are_simplified_within_a_tenth_of_a_pixel_even_a_closed_loop():
    """A mouse's dense strokes go into the distance field through their turns only, every point within
    SIMPLIFY px of the simplified stroke, measured to its segments: cv2.approxPolyDP strayed 1.6 px on a
    loop ending where it began, and kept every point of nothing shorter."""
    from mnist_pad import width_sweep

    angle = np.linspace(0, 2 * np.pi, 600)
    loop = np.c_[140 + 50 * np.cos(angle), 180 + 50 * np.sin(angle)]
    there_and_back = np.c_[np.r_[np.linspace(60, 220, 400), np.linspace(220, 140, 200)], np.full(600, 100.0)]
    for stroke in (loop, there_and_back):
        kept = width_sweep._simplified(stroke)
        assert 2 < len(kept) < 100 and np.allclose(kept[[0, -1]], stroke[[0, -1]])
        starts, ends = kept[:-1], kept[1:]
        along = ends - starts
        t = np.clip(((stroke[:, None] - starts) * along).sum(axis=2) / (along * along).sum(axis=1), 0, 1)
        distance = np.hypot(*(stroke[:, None] - starts - t[..., None] * along).transpose(2, 0, 1)).min(axis=1)
        assert distance.max() <= width_sweep.SIMPLIFY + 1e-9
    short = loop[::5]
    assert width_sweep._simplified(short) is short  # sparse strokes (the pen digits') as they are
