"""The images a sweep over brush widths shows the model: every width at once, at a quarter of the cost.

A prediction renders its strokes with OpenCV at full size and centres them with `to_mnist` (raster.py,
preprocess.py): those are the pixels every model was trained and measured on, and the live prediction
always sees them. The thin -> thick chart needs the same drawing at 16 widths, and rendering and
centring each of them cost more than the network's work on all 16. Here the drawing is measured once,
as its distance field on a grid of two cells per pixel of MNIST's 20 px box, and every width follows
from that field with a few array operations:
- the ink at a width: each cell's share of a stroke of that radius (a straight edge's coverage at the
  cell's distance), with OpenCV's own rules for its thick lines (the constants below);
- `to_mnist`'s crop (where OpenCV's faintest counted ink would reach), its area downscale to the 20 px
  box and its centre-of-mass shift, as separable weights.

The images differ from `to_mnist(rasterize(...))` by about one grey level on average, less than those
move when the drawing moves by a third of a pixel; `make bench` prints how often the two give the same
answer. Hairline brushes (under 1.5 px, another kind of line in OpenCV), a drawing under 40 px (the
grid would be too coarse) and widths so far apart that the grid would grow past MAX_CELLS are
rendered exactly.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .drawing import Strokes
from .preprocess import BOX, CENTRE, EMPTY, SIZE, MnistInput, to_mnist
from .raster import (CANVAS_SIZE, SUBPIXELS, check_brush_width, check_canvas_size, is_dot, renderer,
                     stroke_arrays)

CELLS_PER_PIXEL = 2  # grid cells per pixel of the 20 px box, along each side, at the thinnest width
MAX_CELLS = 3 * CELLS_PER_PIXEL * BOX
SIMPLIFY = 0.1  # px: how far the curve the distance field measures may stray from the drawn points
SIMPLIFY_FROM = 128  # points in a stroke: fewer cost the distance field less than simplifying them
# OpenCV's anti-aliased strokes, measured on straight lines and dots, T = 1..50: a line of thickness T is
# drawn as segments T + T % 2 wide with round joins of diameter T, and lays down T + T % 2 + 1.37 px of
# ink across (up to 2 px where a mouse's dense points overlap), as if each edge lay EDGE further out.
# The faintest ink to_mnist's crop counts (> 8) reaches SIDE_FRINGE past a segment's side, and past a
# round join or dot ROUND_FRINGE, or SMALL_ROUND_FRINGE for a radius under SMALL_ROUND.
EDGE = 0.7
SIDE_FRINGE, ROUND_FRINGE, SMALL_ROUND_FRINGE, SMALL_ROUND = 1.4, 1.35, 0.9, 2.25
_CHUNK_BYTES = 256 * 1024  # the distance temporaries stay in the cache


def sweep_inputs(strokes: Strokes, widths: Sequence[float], canvas_size: int = CANVAS_SIZE) -> list[MnistInput]:
    """What the model sees for these strokes at each brush width, close to `prepare_strokes` at that width."""
    canvas_size = check_canvas_size(canvas_size)
    widths = np.array([check_brush_width(w) for w in widths], np.float64)
    arrays = stroke_arrays(strokes, canvas_size)
    if not arrays or not len(widths):
        return [EMPTY] * len(widths)
    thickness = np.maximum(1, np.round(widths))  # as raster.renderer draws
    if (thickness == 1).any():
        others = iter(sweep_inputs(strokes, widths[thickness > 1], canvas_size))
        hairlines = iter(_rendered(strokes, widths[thickness == 1], canvas_size))
        return [next(hairlines) if hairline else next(others) for hairline in thickness == 1]
    fixed = [np.round(points * SUBPIXELS) / SUBPIXELS for points in arrays]  # where OpenCV draws them
    lines = [points for points in fixed if not is_dot(points)]
    dots = np.array([points[0] for points in fixed if is_dot(points)])
    dot_radius = np.maximum(np.round(widths / 2 * SUBPIXELS), SUBPIXELS // 2) / SUBPIXELS
    first, last = _crop(lines, dots, thickness, dot_radius, canvas_size)
    crop = last - first + 1
    # Canvas pixel i covers [i - 0.5, i + 0.5); the grid covers every crop.
    grid_low, grid_high = first.min(axis=0) - 0.5, last.max(axis=0) + 0.5
    cell = crop.max(axis=1).min() / (BOX * CELLS_PER_PIXEL)
    cells = np.maximum(np.ceil((grid_high - grid_low) / cell).astype(int), 1)
    if crop.max(axis=1).min() < 2 * BOX or cells.max() > MAX_CELLS:
        return _rendered(strokes, widths, canvas_size)
    cell_x, cell_y = (grid_high - grid_low) / cells
    xs = (grid_low[0] + (np.arange(cells[0]) + 0.5) * cell_x).astype(np.float32)
    ys = (grid_low[1] + (np.arange(cells[1]) + 0.5) * cell_y).astype(np.float32)
    half = np.float32(max(cell_x, cell_y) / 2)
    ink = _ink(lines, dots, thickness, dot_radius, xs, ys, half)
    return _centred(ink, first, crop, grid_low, (cell_x, cell_y))


def _ink(lines: list[np.ndarray], dots: np.ndarray, thickness: np.ndarray, dot_radius: np.ndarray,
         xs: np.ndarray, ys: np.ndarray, half: np.float32) -> np.ndarray:
    """(W, ys, xs): the share of each grid cell (side 2 * half) the strokes cover at each width."""
    ink = None
    if lines:
        # A mouse gives a point every pixel or less: the same curve within SIMPLIFY px in far fewer segments.
        segments = np.concatenate([np.stack([p[:-1], p[1:]], axis=1) for p in map(_simplified, lines)])
        line_radius = (thickness + thickness % 2) / 2 + EDGE
        ink = _coverage(_distance_field(segments, xs, ys), line_radius, half)
    if len(dots):
        segments = np.stack([dots, dots], axis=1).astype(np.float32)
        ink_of_dots = _coverage(_distance_field(segments, xs, ys), dot_radius + EDGE, half)
        ink = ink_of_dots if ink is None else np.maximum(ink, ink_of_dots, out=ink)
    return ink


def _centred(ink: np.ndarray, first: np.ndarray, crop: np.ndarray, grid_low: np.ndarray,
             cell: tuple[float, float]) -> list[MnistInput]:
    """to_mnist for every width at once: crop at `first` (whole pixels, (W, 2)), `crop` pixels wide and high,
    area-downscale the longer side to BOX, stretch to full intensity, centre of mass to CENTRE."""
    shrunk = np.maximum(1, np.round(crop * (BOX / crop.max(axis=1))[:, None])).astype(int)  # as to_mnist rounds
    across = _area_weights(first[:, 0] - 0.5, crop[:, 0], shrunk[:, 0], grid_low[0], cell[0], ink.shape[2])
    down = _area_weights(first[:, 1] - 0.5, crop[:, 1], shrunk[:, 1], grid_low[1], cell[1], ink.shape[1])
    digits = down @ ink @ across.transpose(0, 2, 1)  # (W, BOX, BOX), zero beyond each digit's size
    peaks = digits.max(axis=(1, 2))
    digits *= (255.0 / np.maximum(peaks, 1e-12)).astype(np.float32)[:, None, None]
    mass = np.maximum(digits.sum(axis=(1, 2)), 1e-12)
    index = np.arange(BOX, dtype=np.float32)
    shift = np.stack([CENTRE - digits.sum(axis=1) @ index / mass, CENTRE - digits.sum(axis=2) @ index / mass], axis=1)
    placed = _shift_weights(shift[:, 1]) @ digits @ _shift_weights(shift[:, 0]).transpose(0, 2, 1)
    images = np.clip(placed + 0.5, 0, 255).astype(np.uint8)
    # to_mnist's affine map (preprocess._ink_to_input) for every width: crop at `first`, resize, then shift
    scale = shrunk / crop
    to_input = np.zeros((len(crop), 2, 3))
    to_input[:, 0, 0], to_input[:, 1, 1] = scale[:, 0], scale[:, 1]
    to_input[:, :, 2] = scale * (0.5 - first) - 0.5 + shift
    return [MnistInput(image, matrix) if peak > 0 else EMPTY for image, peak, matrix in zip(images, peaks, to_input)]


def _rendered(strokes: Strokes, widths: np.ndarray, canvas_size: int) -> list[MnistInput]:
    """The exact images, as prepare_strokes makes them."""
    render = renderer(strokes, canvas_size)
    return [to_mnist(render(w)) for w in widths]


def _simplified(points: np.ndarray) -> np.ndarray:
    """A long stroke's points (K, 2) that keep it within SIMPLIFY px of all of its points: its ends and its
    turns (Douglas-Peucker, measured to the segments: cv2.approxPolyDP measures to their lines, which drops
    a stroke that doubles back). Strokes of at most SIMPLIFY_FROM points come back as they are."""
    if len(points) <= SIMPLIFY_FROM:
        return points
    keep = np.zeros(len(points), bool)
    keep[[0, -1]] = True
    spans = [(0, len(points) - 1)]
    while spans:
        first, last = spans.pop()
        if last - first < 2:
            continue
        start, along = points[first], points[last] - points[first]
        offsets = points[first + 1:last] - start
        t = np.clip(offsets @ along / max(float(along @ along), 1e-12), 0, 1)
        distances = np.hypot(*(offsets - t[:, None] * along).T)
        farthest = int(np.argmax(distances))
        if distances[farthest] > SIMPLIFY:
            middle = first + 1 + farthest
            keep[middle] = True
            spans += [(first, middle), (middle, last)]
    return points[keep]


def _crop(lines: list[np.ndarray], dots: np.ndarray, thickness: np.ndarray, dot_radius: np.ndarray,
          canvas_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(first, last), each (W, 2): the whole pixels to_mnist's crop takes at each width, from where OpenCV's
    faintest counted ink reaches past the segments' sides, their round joins and the dots."""
    low = np.full((len(thickness), 2), np.inf)
    high = -low
    if lines:
        joins = np.concatenate(lines)
        start = np.concatenate([points[:-1] for points in lines])
        along = np.concatenate([points[1:] for points in lines]) - start
        length = np.hypot(along[:, 0], along[:, 1])
        start, along, length = start[length > 0], along[length > 0], length[length > 0]
        reach = np.abs(along[:, ::-1]) / length[:, None]  # how far a side lies along x, y per pixel of half-width
        half_width = ((thickness + thickness % 2) / 2)[:, None, None]
        low = (np.minimum(start, start + along)[None] - half_width * reach[None]).min(axis=1) - SIDE_FRINGE
        high = (np.maximum(start, start + along)[None] + half_width * reach[None]).max(axis=1) + SIDE_FRINGE
        join_radius = thickness / 2
        low = np.minimum(low, joins.min(axis=0) - _round_reach(join_radius))
        high = np.maximum(high, joins.max(axis=0) + _round_reach(join_radius))
    if len(dots):
        low = np.minimum(low, dots.min(axis=0) - _round_reach(dot_radius))
        high = np.maximum(high, dots.max(axis=0) + _round_reach(dot_radius))
    return np.maximum(np.ceil(low), 0), np.minimum(np.floor(high), canvas_size - 1)


def _round_reach(radius: np.ndarray) -> np.ndarray:
    """(W, 1): how far past its centre a round join or dot's counted ink reaches."""
    return (radius + np.where(radius < SMALL_ROUND, SMALL_ROUND_FRINGE, ROUND_FRINGE))[:, None]


def _distance_field(segments: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Distance (ys, xs) from each grid point to the nearest of the segments (S, 2 ends, 2)."""
    chunk = max(1, _CHUNK_BYTES // (4 * len(xs) * len(ys)))
    nearest = None
    for start in range(0, len(segments), chunk):
        a, b = segments[start:start + chunk, 0], segments[start:start + chunk, 1]
        along = b - a
        length2 = np.maximum((along * along).sum(axis=1), np.float32(1e-12))
        dx = xs[None, None, :] - a[:, 0, None, None]
        dy = ys[None, :, None] - a[:, 1, None, None]
        t = dx * (along[:, 0] / length2)[:, None, None] + dy * (along[:, 1] / length2)[:, None, None]
        np.clip(t, 0, 1, out=t)
        off_x = dx - t * along[:, 0, None, None]
        off_y = dy - t * along[:, 1, None, None]
        off_x *= off_x
        off_y *= off_y
        off_x += off_y
        squared = off_x.min(axis=0)
        nearest = squared if nearest is None else np.minimum(nearest, squared, out=nearest)
    return np.sqrt(nearest, out=nearest)


def _coverage(distance: np.ndarray, radius: np.ndarray, half: np.float32) -> np.ndarray:
    """(W, ys, xs): the share of each cell (side 2 * half) a stroke of each radius covers: the overlap of the
    stroke's cross-section [-radius, radius] with the cell's [distance - half, distance + half], over the side."""
    radius = radius.astype(np.float32)[:, None, None]
    share = np.minimum(radius, distance + half) - np.maximum(-radius, distance - half)
    np.maximum(share, 0, out=share)
    share /= 2 * half
    return share


def _area_weights(start: np.ndarray, length: np.ndarray, count: np.ndarray, origin: float, cell: float,
                  cells: int) -> np.ndarray:
    """(W, BOX, cells): output pixel u of width w averages [start + u*length/count, ... + length/count) of
    the grid (cell i spans origin + i*cell ...), as cv2.INTER_AREA does; rows past `count` are zero."""
    step = (length / count)[:, None]
    edges = (start[:, None] + np.minimum(np.arange(BOX + 1)[None, :], count[:, None]) * step).astype(np.float32)
    bounds = (origin + np.arange(cells + 1) * cell).astype(np.float32)
    overlap = np.minimum(edges[:, 1:, None], bounds[1:]) - np.maximum(edges[:, :-1, None], bounds[:-1])
    np.maximum(overlap, 0, out=overlap)
    overlap /= step.astype(np.float32)[:, :, None]
    return overlap


def _shift_weights(shift: np.ndarray) -> np.ndarray:
    """(W, SIZE, BOX): bilinear sampling of 28 px pixel u at BOX pixel u - shift (zero outside), as
    cv2.warpAffine's translation in to_mnist."""
    source = np.arange(SIZE)[None, :, None] - shift[:, None, None] - np.arange(BOX)[None, None, :]
    return np.maximum(1 - np.abs(source), 0).astype(np.float32)
