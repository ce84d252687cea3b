"""Occlusion maps and per-stroke effects, with stand-in predictors whose answers are known."""
from __future__ import annotations

import numpy as np

from mnist_pad.attribution import occlusion, stroke_effects
from mnist_pad.preprocess import CENTRE, centre_of_mass, to_mnist
from mnist_pad.raster import rasterize

CANVAS = 280
L_SHAPE = [[(80.0, 60.0), (80.0, 220.0), (200.0, 220.0)]]


def left_half_is_a_three(batch: np.ndarray) -> np.ndarray:
    """P(3) grows with the ink in the left half of the 28x28; the rest goes to 8."""
    batch = np.asarray(batch, np.float64)
    left = batch[:, :, :14].sum(axis=(1, 2)) / 255.0
    p3 = left / (left + 10.0)
    probabilities = np.zeros((len(batch), 10))
    probabilities[:, 3], probabilities[:, 8] = p3, 1 - p3
    return probabilities


def test_the_recorded_transform_maps_the_canvas_ink_onto_the_input():
    ink = rasterize(L_SHAPE, 16, CANVAS)
    prepared = to_mnist(ink)
    x, y = centre_of_mass(ink)
    mapped = prepared.to_input @ np.array([x, y, 1.0])
    assert np.allclose(mapped, [CENTRE, CENTRE], atol=0.6)  # to_mnist centres the ink's mass at (14, 14)
    assert np.allclose(np.asarray(centre_of_mass(prepared.image)), [CENTRE, CENTRE], atol=0.6)


def test_occlusion_heats_only_the_part_the_network_uses():
    prepared = to_mnist(rasterize(L_SHAPE, 16, CANVAS))
    attribution = occlusion(prepared, left_half_is_a_three)
    assert attribution.digit == 3  # the L's upright is on the left: the stand-in reads a 3
    heat = attribution.heat
    # hiding left-half ink lowers P(3): positive heat there; hiding the right half changes nothing
    assert heat[:, :12].max() > 0.01 and heat.min() >= 0
    assert np.abs(heat[:, 16:]).max() == 0


def test_occlusion_map_lands_on_the_strokes_on_the_canvas():
    strokes = [[(60.0, 140.0), (120.0, 140.0)], [(200.0, 40.0), (200.0, 240.0)]]
    ink = rasterize(strokes, 16, CANVAS)
    attribution = occlusion(to_mnist(ink), left_half_is_a_three)
    on_canvas = attribution.on_canvas(CANVAS)
    assert on_canvas.shape == (CANVAS, CANVAS)
    hot = np.abs(on_canvas) > 0.5 * np.abs(on_canvas).max()
    ys, xs = np.nonzero(hot)
    # the stand-in only looks at the left of the input: the hot area is around the left stroke
    assert xs.max() < 150 and abs(np.median(ys) - 140) < 30


def test_empty_input_gives_an_empty_map():
    attribution = occlusion(to_mnist(np.zeros((CANVAS, CANVAS), np.uint8)), left_half_is_a_three)
    assert attribution.digit == -1 and not attribution.heat.any()
    assert not attribution.on_canvas(CANVAS).any()


def test_stroke_effects_predict_each_drawing_without_one_stroke():
    calls = []

    def count_strokes(batch):
        calls.append(len(batch))
        return left_half_is_a_three(batch)

    strokes = [[(60.0, 140.0), (120.0, 140.0)], [(200.0, 40.0), (200.0, 240.0)]]
    effects = stroke_effects(strokes, 16, CANVAS, count_strokes)
    assert calls == [2]  # one batch for every stroke
    assert [e.stroke for e in effects] == [0, 1]
    # without the left bar only the right one is left, centred: mostly on the right of the input
    assert effects[0].digit is not None and effects[1].digit is not None
    lone = stroke_effects(strokes[:1], 16, CANVAS, count_strokes)
    assert lone[0].digit is None and lone[0].probability == 0.0
