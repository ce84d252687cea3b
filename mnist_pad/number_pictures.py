"""Reading a picture of a number: blobs of ink (connected components) grouped like strokes are.

The same rules as for strokes (mnist_pad.numbers): small low blobs are separators, blobs whose
horizontal extents mostly overlap are one digit (a 5 whose bar does not touch its body), blobs much
shorter than the line join a neighbour. Each digit's ink alone goes through to_mnist, then all
digits through the model in one batch. Digits written touching are one blob: a digit wider than
the line is tall is cut at one of its thin columns when the model reads both halves more surely.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from .numbers import DOT_SIZE, DigitReading, NumberReading, boundaries_between, find_separators, flag_non_digits, placed, widened
from .picture import connected_components, ink_of_marks
from .preprocess import to_mnist

if TYPE_CHECKING:
    from .recognizer import Recognizer

SPECK = 0.04  # blobs smaller than this share of the line height are dust, not ink
WIDE_BLOB = 0.8  # a digit's ink wider than 0.8 of the line's height may be two digits written touching
CUT_TRIALS = 7  # cuts tried for it: the thinnest column in each seventh of its middle half
SPLIT_ROUNDS = 3  # rounds of cuts: each may cut every blob still wide once more
STRAY_GAP, STRAY_BELOW = 0.35, 0.15  # a small mark this far from every digit, or this far below the line, is a speck
# A cut is taken only when both halves read as digits this surely, and the non-digit detector gives
# neither this much: a scribble cut in two must not become two digits.
CUT_SURE, CUT_NOT_A_DIGIT = 0.9, 0.2


def read_picture_number(recognizer: "Recognizer", gray: np.ndarray) -> NumberReading:
    """Read a picture (grey uint8, either polarity) as a number; a digit's `strokes` are its blobs' labels."""
    ink = ink_of_marks(gray)
    count, labels, stats, centroids = connected_components(ink > 0)
    boxes = {k: np.array([stats[k, 0], stats[k, 1], stats[k, 0] + stats[k, 2] - 1, stats[k, 1] + stats[k, 3] - 1],
                         np.float64) for k in range(1, count)}
    if not boxes:
        return NumberReading((), (), ())
    line_height = float(max(stats[1:, cv2.CC_STAT_HEIGHT]))
    boxes = {k: box for k, box in boxes.items() if (box[2:] - box[:2]).max() + 1 >= SPECK * line_height}
    boxes = _without_stray_specks(boxes, centroids, line_height)
    separators = find_separators(boxes, {k: centroids[k] for k in boxes}, line_height)
    blobs = {k: box for k, box in boxes.items() if k not in {s.stroke for s in separators}}
    boundaries = boundaries_between([widened(box, line_height) for box in blobs.values()], line_height)
    slots: dict[int, list[int]] = {}
    for k in blobs:
        slots.setdefault(int(np.searchsorted(boundaries, centroids[k][0])), []).append(k)
    groups = [tuple(sorted(slots[slot])) for slot in sorted(slots)]
    inks = [np.where(np.isin(labels, group), ink, 0).astype(np.uint8) for group in groups]
    inputs = [to_mnist(digit) for digit in inks]
    probabilities = recognizer.predict_inputs(inputs)
    cuts: list[float] = []
    for _ in range(SPLIT_ROUNDS):  # a blob of three or four touching digits needs a cut in each half again
        groups, inks, inputs, probabilities, more = _split_wide(recognizer, groups, inks, inputs, probabilities, line_height)
        if not more:
            break
        cuts += more
    digits = []
    for group, digit, prepared, row in zip(groups, inks, inputs, probabilities):
        left, top, width, height = cv2.boundingRect((digit > 0).astype(np.uint8))
        digits.append(DigitReading(group, (float(left), float(top), float(left + width - 1), float(top + height - 1)),
                                   row, prepared.image))
    reading = NumberReading(flag_non_digits(recognizer, tuple(digits)), separators, tuple(sorted((*boundaries, *cuts))))
    # Large photos are read shrunk and tiny scans enlarged: boxes and positions go back to the picture's pixels.
    return reading if ink.shape == gray.shape else placed(reading, gray.shape[1] / ink.shape[1])


def _without_stray_specks(boxes: dict[int, np.ndarray], centroids: np.ndarray, line_height: float) -> dict[int, np.ndarray]:
    """Drop the small marks (no bigger than a decimal point may be) that lie off the line of writing:
    above its top, more than STRAY_BELOW of its height below it, or farther than STRAY_GAP line heights
    from every digit-sized mark. Specks of dirt or of the paper's grain, read as decimal points or digits,
    made "4.396" read "43.96.7"; a point between two digits, or a digit's broken-off piece, lies within
    the line."""
    sizes = {k: (box[2:] - box[:2]).max() + 1 for k, box in boxes.items()}
    big = np.array([box for k, box in boxes.items() if sizes[k] > DOT_SIZE * line_height])
    if not len(big):
        return boxes
    top, bottom = big[:, 1].min(), big[:, 3].max()
    kept = {}
    for k, box in boxes.items():
        if sizes[k] <= DOT_SIZE * line_height:
            y = centroids[k][1]
            gap = np.maximum(np.maximum(big[:, 0] - box[2], box[0] - big[:, 2]), np.maximum(big[:, 1] - box[3], box[1] - big[:, 3]))
            if y < top or y > bottom + STRAY_BELOW * line_height or gap.clip(min=0).min() > STRAY_GAP * line_height:
                continue
        kept[k] = box
    return kept


def _split_wide(recognizer: "Recognizer", groups: list, inks: list, inputs: list, probabilities: np.ndarray,
                line_height: float) -> tuple[list, list, list, np.ndarray, list[float]]:
    """Digits whose ink is wider than WIDE_BLOB of the line's height (two digits written touching make one
    blob), cut where the model reads both halves most surely, if more surely than the whole and surely
    digits (CUT_SURE, CUT_NOT_A_DIGIT). The cuts tried: the thinnest column in each of CUT_TRIALS parts
    of the ink's middle half (where two digits meet, least ink crosses)."""
    trials = []  # (digit index, cut column, (left half, right half))
    for index, digit in enumerate(inks):
        columns = np.nonzero(digit.any(axis=0))[0]
        if not len(columns) or columns[-1] - columns[0] + 1 <= WIDE_BLOB * line_height:
            continue
        left, width = columns[0], columns[-1] - columns[0] + 1
        ink_per_column = digit.sum(axis=0, dtype=np.int64)
        edges = np.linspace(left + width / 4, left + 3 * width / 4, CUT_TRIALS + 1).astype(int)
        for start, stop in zip(edges[:-1], edges[1:]):
            cut = start + int(np.argmin(ink_per_column[start:stop + 1]))
            left_side = np.arange(digit.shape[1]) < cut
            trials.append((index, cut, (np.where(left_side, digit, 0).astype(np.uint8),
                                        np.where(left_side, 0, digit).astype(np.uint8))))
    if not trials:
        return groups, inks, inputs, probabilities, []
    half_inputs = [to_mnist(half) for _, _, halves in trials for half in halves]
    half_probabilities = recognizer.predict_inputs(half_inputs).reshape(len(trials), 2, 10)
    half_not_digits = recognizer.not_a_digit_detector().probabilities(
        np.stack([half.image for half in half_inputs])).reshape(len(trials), 2)
    best: dict[int, tuple[float, int]] = {}  # digit index -> (the less sure half's confidence, trial)
    for number, (index, _, _) in enumerate(trials):
        surety = float(half_probabilities[number].max(axis=1).min())
        if (surety > probabilities[index].max() and surety >= CUT_SURE and (half_not_digits[number] < CUT_NOT_A_DIGIT).all()
                and surety > best.get(index, (-1.0, -1))[0]):
            best[index] = (surety, number)
    groups, inks, inputs, probabilities, cuts = list(groups), list(inks), list(inputs), list(probabilities), []
    for index in sorted(best, reverse=True):  # from the right, so the indices to the left stay valid
        number = best[index][1]
        groups[index:index + 1] = [groups[index]] * 2
        inks[index:index + 1] = list(trials[number][2])
        inputs[index:index + 1] = half_inputs[2 * number:2 * number + 2]
        probabilities[index:index + 1] = list(half_probabilities[number])
        cuts.append(trials[number][1] - 0.5)
    return groups, inks, inputs, np.asarray(probabilities), cuts
