"""Reading a number: strokes -> digit groups and separators -> one model batch -> "31.4?".

Segmentation works on the vector strokes, in three steps:
1. Separators: small strokes low on the line are a decimal point ('.') or comma (',').
2. Groups: strokes whose horizontal extents mostly overlap belong to one digit (a 4 or 5 drawn in
   two strokes, a 7 with a crossbar); a narrow stroke merely touching its neighbour (a 1 beside a 0)
   does not. The groups become boundaries: x positions between digits.
3. Assignment: every stroke goes to the slot between boundaries that holds its ink; a stroke that
   reaches well across a boundary (one stroke written through two digits) is cut there.
Boundaries are also the handle for correcting by hand: `split_at` adds one, `merge_at` removes one,
and `read_number(..., boundaries=...)` reads the drawing with them. A group much wider than a digit
is split at its thinnest column when the model reads the two halves more surely than the whole.
Each digit is also checked by the non-digit detector (mnist_pad.nondigit): a reading where most marks
don't look like digits (noise, scribbles, a row of letters) is no number at all (`not_a_number`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .confidence import NOT_A_DIGIT_AT
from .drawing import Strokes
from .preprocess import MnistInput, to_mnist
from .raster import CANVAS_SIZE, rasterize, stroke_arrays

if TYPE_CHECKING:
    from .recognizer import Recognizer

# All sizes are fractions of the line height: the tallest stroke.
DOT_SIZE = 0.25         # a separator fits in a square this size...
DOT_LOW = 0.65          # ...and its centre lies below this fraction of the line, from the top
MIN_EXTENT = 0.2        # narrower strokes count as this wide when comparing overlaps (a 1, a 4's bar)
SAME_DIGIT = 0.6        # extents overlapping by more than this share of the narrower one: one digit
FRAGMENT = 0.78         # a group shorter than this is part of the digit beside it...
NEAR_FRAGMENT = 0.35    # ...when no farther from it than this
CUT_REACH = 0.2         # a stroke reaching this far past a boundary on both sides is cut there
WIDE_GROUP = 1.25       # a group wider than this may be two digits written as one
UNSURE = 0.6            # digits read with less confidence are shown as '?'
UNSURE_MARK = "?"


class NumberError(ValueError):
    """Arguments that cannot describe a number drawing (a bad canvas size or boundaries)."""


@dataclass(frozen=True)
class DigitReading:
    """One digit of a number: its strokes (indices into the input), box and probabilities."""

    strokes: tuple[int, ...]
    box: tuple[float, float, float, float]  # left, top, right, bottom in canvas pixels
    probabilities: np.ndarray               # (10,)
    image: np.ndarray                       # the 28x28 uint8 the model saw
    pieces: tuple[np.ndarray, ...] = ()     # its ink as point arrays (K, 2), cut strokes cut; none for pictures
    not_a_digit_probability: float = 0.0    # the non-digit detector's (mnist_pad.nondigit)

    @property
    def digit(self) -> int:
        return int(self.probabilities.argmax())

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    @property
    def not_a_digit(self) -> bool:
        """The mark doesn't look like a digit (a scribble, a letter). A number's text still shows its best
        reading: the detector flags about one real digit in 60, which in a four-digit number would mark
        one in twenty (`training.evaluate_numbers`); only a reading where most marks are flagged is no
        number (NumberReading.not_a_number)."""
        return self.not_a_digit_probability >= NOT_A_DIGIT_AT

    @property
    def sure(self) -> bool:
        return self.confidence >= UNSURE


@dataclass(frozen=True)
class Separator:
    """A decimal point or comma: its stroke, the character and where it sits."""

    stroke: int
    char: str  # '.' or ','
    x: float
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class NumberReading:
    """What a drawing of a number reads as: digits left to right, separators, and the boundaries used."""

    digits: tuple[DigitReading, ...]
    separators: tuple[Separator, ...]
    boundaries: tuple[float, ...]  # x positions between digits; pass back to read_number to regroup

    @property
    def text(self) -> str:
        """The number, digits read with less than UNSURE confidence shown as '?'."""
        return self._text(marked=True)

    @property
    def not_a_number(self) -> bool:
        """Most of its marks don't look like digits: noise, scribbles, a row of letters. (`python -m
        training.evaluate_numbers --pictures --non-numbers 300`, brushes of 4-50 px: held-out writers'
        four-digit numbers none from strokes, 0-4.6% from pictures up to 25 px; rows of four
        non-digits 92-97% from strokes, 69-90% from pictures.)"""
        return 2 * sum(d.not_a_digit for d in self.digits) > len(self.digits)

    @property
    def best_guess(self) -> str:
        """The number with every digit at its most likely reading."""
        return self._text(marked=False)

    def _text(self, marked: bool) -> str:
        items = [((d.box[0] + d.box[2]) / 2, str(d.digit) if d.sure or not marked else UNSURE_MARK) for d in self.digits]
        items += [(s.x, s.char) for s in self.separators]
        return "".join(char for _, char in sorted(items, key=lambda item: item[0]))


def placed(reading: NumberReading, scale: float, dx: float = 0.0, dy: float = 0.0) -> NumberReading:
    """The same reading with every box, position and boundary mapped by x -> x * scale + dx,
    y -> y * scale + dy (e.g. a picture's reading onto a canvas showing the picture scaled)."""
    def box(b: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        return (b[0] * scale + dx, b[1] * scale + dy, b[2] * scale + dx, b[3] * scale + dy)
    return NumberReading(tuple(replace(digit, box=box(digit.box)) for digit in reading.digits),
                         tuple(replace(mark, x=mark.x * scale + dx, box=box(mark.box)) for mark in reading.separators),
                         tuple(x * scale + dx for x in reading.boundaries))


@dataclass(frozen=True)
class Group:
    """Pieces of strokes read as one digit: (stroke index, points) pairs, a cut stroke appearing in two groups."""

    pieces: tuple[tuple[int, np.ndarray], ...]

    @property
    def strokes(self) -> tuple[int, ...]:
        return tuple(sorted({index for index, _ in self.pieces}))

    @property
    def box(self) -> tuple[float, float, float, float]:
        points = np.concatenate([points for _, points in self.pieces])
        (left, top), (right, bottom) = points.min(axis=0), points.max(axis=0)
        return float(left), float(top), float(right), float(bottom)


@dataclass(frozen=True)
class Segmentation:
    """Strokes grouped into digits (left to right) and separators."""

    groups: tuple[Group, ...]
    separators: tuple[Separator, ...]
    boundaries: tuple[float, ...]
    line_height: float


def canvas_shape(canvas_size: int | tuple[int, int]) -> tuple[int, int]:
    """(width, height) from a square side or a (width, height) pair."""
    width, height = (canvas_size, canvas_size) if np.isscalar(canvas_size) else canvas_size
    if int(width) < 1 or int(height) < 1:
        raise NumberError(f"canvas size must be at least 1x1 pixels, got {canvas_size}")
    return int(width), int(height)


def segment(strokes: Strokes, canvas_size: int | tuple[int, int] = CANVAS_SIZE,
            boundaries: Sequence[float] | None = None) -> Segmentation:
    """Group strokes into digits and separators; with `boundaries`, digits are the slots between them."""
    width, height = canvas_shape(canvas_size)
    arrays = _stroke_points(strokes, width, height)
    if not arrays:
        return Segmentation((), (), tuple(boundaries or ()), 0.0)
    line_height = max(max(np.ptp(points[:, 1]) for points in arrays.values()), 1e-6)
    boxes = {i: np.concatenate([p.min(axis=0), p.max(axis=0)]) for i, p in arrays.items()}
    separators = find_separators(boxes, {i: p.mean(axis=0) for i, p in arrays.items()}, line_height)
    digit_strokes = {i: p for i, p in arrays.items() if i not in {s.stroke for s in separators}}
    if boundaries is None:
        boundaries = boundaries_between([widened(boxes[i], line_height) for i in digit_strokes], line_height)
    boundaries = tuple(sorted(float(b) for b in boundaries))
    if not all(np.isfinite(boundaries)):
        raise NumberError(f"boundaries must be finite x positions, got {boundaries}")
    groups = _assign(digit_strokes, boundaries, line_height)
    return Segmentation(groups, separators, boundaries, float(line_height))


def split_at(boundaries: Sequence[float], x: float) -> tuple[float, ...]:
    """The boundaries with a new one at x: the digit there is read as two."""
    return tuple(sorted({*map(float, boundaries), float(x)}))


def merge_at(boundaries: Sequence[float], index: int) -> tuple[float, ...]:
    """The boundaries without the one at `index`: the digits either side are read as one."""
    if not 0 <= index < len(boundaries):
        raise NumberError(f"there is no boundary {index} to remove (there are {len(boundaries)})")
    return tuple(b for i, b in enumerate(sorted(boundaries)) if i != index)


def kept_boundaries(boundaries: Sequence[float], before: Strokes, after: Strokes,
                    canvas_size: int | tuple[int, int] = 280) -> tuple[float, ...] | None:
    """Boundaries set by hand on `before`, still valid for `after`; None when the drawing must be regrouped.

    They are kept when strokes were only added or removed at the end (a new stroke, an undo) and no
    such stroke reaches across one of them. Automatic boundaries beyond the old ink are added, so
    a digit written after the last one is still a digit of its own.
    """
    common = min(len(before), len(after))
    if not after or tuple(before[:common]) != tuple(after[:common]):
        return None
    changed = [np.asarray(stroke, float)[:, 0] for stroke in (*before[common:], *after[common:]) if len(stroke)]
    if any(xs.min() < b < xs.max() for xs in changed for b in boundaries):
        return None
    kept = {float(b) for b in boundaries}
    if len(after) > len(before) and before:
        old = np.concatenate([np.asarray(stroke, float)[:, 0] for stroke in before if len(stroke)])
        kept |= {b for b in segment(after, canvas_size).boundaries if b < old.min() or b > old.max()}
    return tuple(sorted(kept))


def group_input(group: Group, brush_width: float) -> MnistInput:
    """The 28x28 the model sees for one group: its pieces rendered alone, as a single digit would be."""
    points = np.concatenate([p for _, p in group.pieces])
    low, high = points.min(axis=0), points.max(axis=0)
    side = int(np.ceil((high - low).max() + 2 * brush_width + 4))
    offset = side / 2 - (low + high) / 2
    return to_mnist(rasterize([p + offset for _, p in group.pieces], brush_width, side))


def read_number(recognizer: "Recognizer", strokes: Strokes, brush_width: float,
                canvas_size: int | tuple[int, int] = CANVAS_SIZE, boundaries: Sequence[float] | None = None) -> NumberReading:
    """Read the strokes as a number: segment, then one batch through the recognizer for every digit."""
    segmentation = segment(strokes, canvas_size, boundaries)
    groups = list(segmentation.groups)
    bounds = list(segmentation.boundaries)
    inputs = [group_input(g, brush_width) for g in groups]
    probabilities = recognizer.predict_inputs(inputs) if inputs else np.zeros((0, 10), np.float32)
    if boundaries is None:  # automatic grouping: try splitting groups too wide for one digit
        groups, inputs, probabilities, bounds = _split_wide(recognizer, segmentation, brush_width, inputs, probabilities)
    digits = tuple(DigitReading(g.strokes, g.box, p, i.image, tuple(points for _, points in g.pieces))
                   for g, p, i in zip(groups, probabilities, inputs))
    return NumberReading(flag_non_digits(recognizer, digits), segmentation.separators, tuple(sorted(bounds)))


def flag_non_digits(recognizer: "Recognizer", digits: tuple[DigitReading, ...]) -> tuple[DigitReading, ...]:
    """The digits with the non-digit detector's probability for each (one batch for all)."""
    if not digits:
        return digits
    flags = recognizer.not_a_digit_detector().probabilities(np.stack([d.image for d in digits]))
    return tuple(replace(d, not_a_digit_probability=float(q)) for d, q in zip(digits, flags))


# -- steps ------------------------------------------------------------------------------------
def _stroke_points(strokes: Strokes, width: int, height: int) -> dict[int, np.ndarray]:
    """Non-empty strokes by their index in the input, clipped to the canvas."""
    arrays = {}
    for index, stroke in enumerate(strokes):
        points = stroke_arrays([stroke], max(width, height))
        if points:
            arrays[index] = np.clip(points[0], 0.0, [float(width), float(height)])
    return arrays


def find_separators(boxes: dict[int, np.ndarray], centres: dict[int, np.ndarray], line_height: float) -> tuple[Separator, ...]:
    """Small marks low on the line (boxes are left, top, right, bottom): decimal points and commas."""
    big = np.array([box for box in boxes.values() if (box[2:] - box[:2]).max() > DOT_SIZE * line_height])
    if not len(big):
        return ()
    found = []
    for index, box in boxes.items():
        extent = box[2:] - box[:2]
        if extent.max() > DOT_SIZE * line_height:
            continue
        centre_x, centre_y = centres[index]
        # the line's top and bottom near the mark: the nearest big ones, so a wobbly baseline is followed
        distance = np.maximum(0, np.maximum(big[:, 0] - centre_x, centre_x - big[:, 2]))
        near = big[distance <= distance.min() + line_height]
        top, bottom = near[:, 1].min(), near[:, 3].max()
        if centre_y < top + DOT_LOW * (bottom - top):
            continue
        char = "," if extent[1] > 1.6 * max(extent[0], 1.0) and extent[1] > 0.1 * line_height else "."
        found.append(Separator(index, char, float(centre_x), tuple(float(v) for v in box)))
    return tuple(found)


def widened(box: Sequence[float], line_height: float) -> np.ndarray:
    """A box (left, top, right, bottom) widened about its centre to at least MIN_EXTENT: a 1 is thin
    but still a digit's width apart from its neighbours."""
    left, top, right, bottom = map(float, box)
    pad = max(0.0, MIN_EXTENT * line_height - (right - left)) / 2
    return np.array([left - pad, top, right + pad, bottom])


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])])


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Horizontal space between two boxes; negative where they overlap."""
    return max(a[0], b[0]) - min(a[2], b[2])


def boundaries_between(boxes: Sequence[np.ndarray], line_height: float) -> tuple[float, ...]:
    """Boundaries between digits, from the boxes (left, top, right, bottom) of strokes or blobs of ink:
    overlapping boxes merge, then ones much shorter than the line join a neighbour."""
    boxes = sorted(boxes, key=lambda box: box[0])
    while (pair := _pair_to_merge(boxes, line_height)) is not None:
        boxes[pair:pair + 2] = [_union(boxes[pair], boxes[pair + 1])]
        boxes.sort(key=lambda box: box[0])
    # between neighbours: the middle of the gap, or of the overlap where they overlap a little
    return tuple((min(a[2], b[0]) + max(a[2], b[0])) / 2 for a, b in zip(boxes, boxes[1:]))


def _pair_to_merge(boxes: list[np.ndarray], line_height: float) -> int | None:
    """The index of the first of two neighbouring boxes that are one digit, or None."""
    for i in range(len(boxes) - 1):
        a, b = boxes[i], boxes[i + 1]
        if -_gap(a, b) > SAME_DIGIT * min(a[2] - a[0], b[2] - b[0]):
            return i
    # a box much shorter than the line is part of a digit (the first stroke of a 4): join the nearer side
    for i, box in enumerate(boxes):
        if box[3] - box[1] >= FRAGMENT * line_height:
            continue
        sides = [(_gap(boxes[j], box), min(i, j)) for j in (i - 1, i + 1) if 0 <= j < len(boxes)]
        near = [(gap, pair) for gap, pair in sides if gap < NEAR_FRAGMENT * line_height]
        if near:
            return min(near)[1]
    return None


def _assign(arrays: dict[int, np.ndarray], boundaries: tuple[float, ...], line_height: float) -> tuple[Group, ...]:
    """Strokes into the slots between boundaries: by where their ink is, cut where they reach across."""
    slots: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(len(boundaries) + 1)]
    reach = CUT_REACH * line_height
    for index, points in arrays.items():
        pieces = [points]
        for boundary in boundaries:
            pieces = [run for piece in pieces for run in (
                _cut(piece, boundary) if piece[:, 0].min() < boundary - reach and piece[:, 0].max() > boundary + reach
                else [piece])]
        for piece in pieces:
            slot = int(np.searchsorted(boundaries, piece[:, 0].mean()))
            slots[slot].append((index, piece))
    return tuple(Group(tuple(slot)) for slot in slots if slot)


def _cut(points: np.ndarray, x: float) -> list[np.ndarray]:
    """A polyline cut by the vertical line at x into runs that each stay on one side of it."""
    runs, run = [], [points[0]]
    for start, end in zip(points[:-1], points[1:]):
        if (start[0] - x) * (end[0] - x) < 0:  # this segment crosses the line
            crossing = start + (x - start[0]) / (end[0] - start[0]) * (end - start)
            runs.append(np.asarray(run + [crossing]))
            run = [crossing]
        run.append(end)
    runs.append(np.asarray(run))
    return runs


def _split_wide(recognizer, segmentation: Segmentation, brush_width: float, inputs, probabilities):
    """Groups too wide for one digit, cut at their thinnest column when both halves read more surely."""
    groups, bounds = list(segmentation.groups), list(segmentation.boundaries)
    line_height = segmentation.line_height
    candidates = [(i, g) for i, g in enumerate(groups) if g.box[2] - g.box[0] > WIDE_GROUP * line_height]
    if not candidates:
        return groups, inputs, probabilities, bounds
    trials = []
    for index, group in candidates:
        cut = _thinnest_column(group, brush_width)
        halves = _assign({k: p for k, p in enumerate(p for _, p in group.pieces)}, (cut,), 0.0)
        if len(halves) == 2:
            stroke_of = [s for s, _ in group.pieces]
            halves = tuple(Group(tuple((stroke_of[k], p) for k, p in h.pieces)) for h in halves)
            trials.append((index, cut, halves))
    if not trials:
        return groups, inputs, probabilities, bounds
    half_inputs = [group_input(h, brush_width) for _, _, halves in trials for h in halves]
    half_probabilities = recognizer.predict_inputs(half_inputs)
    inputs, probabilities = list(inputs), list(probabilities)
    for number, (index, cut, halves) in reversed(list(enumerate(trials))):
        pair = half_probabilities[2 * number:2 * number + 2]
        if pair.max(axis=1).min() > probabilities[index].max():
            groups[index:index + 1] = halves
            inputs[index:index + 1] = half_inputs[2 * number:2 * number + 2]
            probabilities[index:index + 1] = list(pair)
            bounds.append(cut)
    return groups, inputs, np.asarray(probabilities), bounds


def _thinnest_column(group: Group, brush_width: float) -> float:
    """The x, in the middle half of a group, where the least ink crosses: where two digits meet."""
    left, top, right, bottom = group.box
    offset = np.array([brush_width - left, brush_width - top])
    side = int(np.ceil(max(right - left, bottom - top) + 2 * brush_width))
    ink = rasterize([p + offset for _, p in group.pieces], brush_width, side).sum(axis=0, dtype=np.float64)
    start = int(brush_width + (right - left) * 0.25)
    stop = int(brush_width + (right - left) * 0.75) + 1
    column = start + int(np.argmin(ink[start:stop]))
    return float(column - offset[0])
