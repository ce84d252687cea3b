"""Reading a picture of a number: blobs of ink (connected components) grouped like strokes are.

The same rules as for strokes (mnist_pad.numbers): small low blobs are separators, blobs whose
horizontal extents mostly overlap are one digit (a 5 whose bar does not touch its body), blobs much
shorter than the line join a neighbour. Each digit's ink alone goes through to_mnist, then all
digits through the model in one batch.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from .numbers import DigitReading, NumberReading, boundaries_between, find_separators, widened
from .picture import ink_of_marks
from .preprocess import to_mnist

if TYPE_CHECKING:
    from .recognizer import Recognizer

SPECK = 0.04  # blobs smaller than this share of the line height are dust, not ink


def read_picture_number(recognizer: "Recognizer", gray: np.ndarray) -> NumberReading:
    """Read a picture (grey uint8, either polarity) as a number; a digit's `strokes` are its blobs' labels."""
    ink = ink_of_marks(gray)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats((ink > 0).astype(np.uint8), connectivity=8)
    boxes = {k: np.array([stats[k, 0], stats[k, 1], stats[k, 0] + stats[k, 2] - 1, stats[k, 1] + stats[k, 3] - 1],
                         np.float64) for k in range(1, count)}
    if not boxes:
        return NumberReading((), (), ())
    line_height = float(max(stats[1:, cv2.CC_STAT_HEIGHT]))
    boxes = {k: box for k, box in boxes.items() if (box[2:] - box[:2]).max() + 1 >= SPECK * line_height}
    separators = find_separators(boxes, {k: centroids[k] for k in boxes}, line_height)
    blobs = {k: box for k, box in boxes.items() if k not in {s.stroke for s in separators}}
    boundaries = boundaries_between([widened(box, line_height) for box in blobs.values()], line_height)
    slots: dict[int, list[int]] = {}
    for k in blobs:
        slots.setdefault(int(np.searchsorted(boundaries, centroids[k][0])), []).append(k)
    groups = [sorted(slots[slot]) for slot in sorted(slots)]
    inputs = [to_mnist(np.where(np.isin(labels, group), ink, 0).astype(np.uint8)) for group in groups]
    probabilities = recognizer.predict_inputs(inputs)
    digits = []
    for group, prepared, row in zip(groups, inputs, probabilities):
        left, top = np.min([blobs[k][:2] for k in group], axis=0)
        right, bottom = np.max([blobs[k][2:] for k in group], axis=0)
        digits.append(DigitReading(tuple(group), (float(left), float(top), float(right), float(bottom)), row, prepared.image))
    return NumberReading(tuple(digits), separators, boundaries)
