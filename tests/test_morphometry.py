"""Morpho-MNIST-style measures on digits of known shape, the shipped reference, and Match MNIST."""
from __future__ import annotations

import json

import numpy as np
import pytest

from mnist_pad import morphometry
from mnist_pad.morphometry import match_mnist_width, measure, reference
from mnist_pad.preprocess import to_mnist
from mnist_pad.raster import rasterize

SEVEN = [[(70, 60), (120, 58), (170, 57), (210, 60), (180, 120), (150, 180), (130, 235)]]


def bar(thickness: int, lean_px: int = 0) -> np.ndarray:
    """A 20 px tall bar `thickness` px wide, its top shifted right by 2 * lean_px."""
    image = np.zeros((28, 28), np.uint8)
    for row in range(4, 24):
        left = 14 - thickness // 2 + round(lean_px * (14 - row) / 10)
        image[row, left:left + thickness] = 255
    return image


@pytest.mark.parametrize("thickness", [2, 3, 5])
def test_an_upright_bar_measures_its_own_thickness_and_size(thickness):
    measured = measure(bar(thickness))
    assert measured.thickness == pytest.approx(thickness, abs=0.6)
    assert abs(measured.slant) < 1
    assert measured.height == pytest.approx(20, abs=1.5)
    assert measured.width == pytest.approx(thickness, abs=1.5)


def test_slant_is_positive_when_the_digit_leans_right():
    assert measure(bar(3, lean_px=5)).slant > 10
    assert measure(bar(3, lean_px=-5)).slant < -10


def test_a_blank_image_has_no_measures():
    assert measure(np.zeros((28, 28), np.uint8)) is None


def test_the_shipped_reference_describes_mnist():
    mnist = reference()
    assert mnist.count >= 10000
    assert 1.5 < mnist.median("thickness") < 4.0 and 15 < mnist.median("height") < 21
    assert mnist.rank("thickness", mnist.median("thickness")) == pytest.approx(50, abs=1)
    assert mnist.rank("thickness", 0.1) == 0 and mnist.rank("thickness", 50) == 100


def test_shares_of_mnist_count_no_digit_on_the_value_itself():
    """Heights come in quarter-pixel steps, so many digits share a value: a drawing as tall as the most
    common MNIST height is taller than the digits below that step, not than those on it."""
    mnist = reference()
    levels = mnist.percentiles["height"]
    for value in np.unique(levels)[1:-1]:
        below, above = mnist.shares("height", value)
        assert below == pytest.approx(np.sum(levels < value)) and above == pytest.approx(np.sum(levels > value))
    tallest = levels[-1]
    assert 99 < mnist.shares("height", tallest)[0] < 100 and mnist.shares("height", tallest + 0.5)[0] == 100
    assert mnist.shares("height", levels[0] - 0.5) == (0, 100)
    # Without ties the shares are the percentile table's interpolation, below and above adding to 100.
    thickness = mnist.percentiles["thickness"]
    middle = (thickness[30] + thickness[31]) / 2
    below, above = mnist.shares("thickness", middle)
    assert 30 < below < 31 and below + above == pytest.approx(100) and mnist.rank("thickness", middle) == pytest.approx(below)


def test_reference_json_round_trips(tmp_path):
    measured = [measure(bar(t)) for t in (2, 3, 4, 5)]
    data = morphometry.reference_from_measures(measured, "four bars")
    assert data["count"] == 4 and len(data["percentiles"]["thickness"]) == 101
    json.dumps(data)  # what the command writes must be plain JSON


def test_thicker_brushes_measure_thicker():
    thickness = [measure(to_mnist(rasterize(SEVEN, w, 280)).image).thickness for w in (6, 16, 30, 45)]
    assert thickness == sorted(thickness)


def test_match_mnist_finds_the_width_with_the_target_thickness():
    at_20 = measure(to_mnist(rasterize(SEVEN, 20, 280)).image).thickness
    assert match_mnist_width(SEVEN, 280, range(2, 51, 2), target=at_20) == 20
    chosen = match_mnist_width(SEVEN, 280, range(2, 51, 2))
    matched = measure(to_mnist(rasterize(SEVEN, chosen, 280)).image).thickness
    assert matched == pytest.approx(reference().median("thickness"), abs=0.5)
    assert match_mnist_width([], 280, range(2, 51, 2)) is None
