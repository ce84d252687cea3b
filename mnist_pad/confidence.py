"""Honest confidence: temperature-calibrated probabilities, and a reading that can say "unsure" or "not a digit".

A network's softmax is over-confident on hands it never saw. Temperature scaling (Guo et al., 2017)
divides the logits by one number T, fitted on held-out writers and stored in the model card as
`calibration: {temperature: T, fitted_on: "..."}`; it never changes which digit wins.

A `Reading` is what the app, the CLI and the API show for one drawing:
    reading.digit         the most likely digit (None when nothing is drawn or it is not a digit)
    reading.probabilities calibrated probabilities (10,)
    reading.unsure        True when the best digit has under UNSURE_BELOW of the probability;
                          reading.candidates then lists the likely digits, best first ("4 or 9")
    reading.not_a_digit   True when the non-digit detector (mnist_pad.nondigit) says it is a letter,
                          symbol, scribble or crossed-out digit
    reading.text          "7", "unsure: 4 or 9?", "doesn't look like a digit" or "nothing drawn"
Everything here takes NumPy arrays: no model, no Qt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

# Calibrated probability of the best digit below which the reading is "unsure".
UNSURE_BELOW = 0.80
# Candidates named when unsure: best first, until they hold this much probability (at most three).
CANDIDATES_COVER = 0.90
MAX_CANDIDATES = 3
# The detector's probability of "not a digit" at or above which a drawing is called one.
NOT_A_DIGIT_AT = 0.5
MIN_TEMPERATURE, MAX_TEMPERATURE = 0.05, 20.0


class CalibrationError(ValueError):
    """A model card's calibration entry that cannot be used."""


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Probabilities (N, 10) from logits (N, 10) divided by the temperature, computed stably."""
    scaled = np.asarray(logits, np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


def fit_temperature(logits: np.ndarray, labels: np.ndarray, steps: int = 50) -> float:
    """The temperature minimising the negative log-likelihood of `labels` (Newton's method on 1/T).

    The NLL is convex in 1/T: its derivative is the mean of E_p[z] - z_label and its second
    derivative the mean variance of z under p, so Newton converges in a few steps.
    """
    logits = np.asarray(logits, np.float64)
    labels = np.asarray(labels)
    if logits.ndim != 2 or len(logits) != len(labels) or not len(labels):
        raise ValueError(f"need logits (N, K) and N labels, got {logits.shape} and {labels.shape}")
    true_logit = logits[np.arange(len(labels)), labels]
    inverse = 1.0
    for _ in range(steps):
        p = softmax(logits, 1.0 / inverse).astype(np.float64)
        mean = (p * logits).sum(axis=1)
        gradient = float(np.mean(mean - true_logit))
        curvature = float(np.mean((p * logits**2).sum(axis=1) - mean**2))
        if curvature <= 1e-12:
            break
        step = gradient / curvature
        inverse = float(np.clip(inverse - step, 1 / MAX_TEMPERATURE, 1 / MIN_TEMPERATURE))
        if abs(step) < 1e-7:
            break
    return 1.0 / inverse


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE: the gap between confidence and accuracy, averaged over equal-width confidence bins, weighted by size."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            error += inside.mean() * abs(confidence[inside].mean() - correct[inside].mean())
    return float(error)


def confident_wrong_share(probabilities: np.ndarray, labels: np.ndarray, level: float = 0.95) -> float:
    """Of the wrong answers, the share given with at least `level` probability (NaN when none is wrong)."""
    wrong = probabilities.argmax(axis=1) != labels
    if not wrong.any():
        return float("nan")
    return float((probabilities[wrong].max(axis=1) >= level).mean())


def card_temperature(card: Mapping[str, Any]) -> float:
    """The temperature stored in a model card's `calibration`, 1.0 (none) when the card has none."""
    calibration = card.get("calibration")
    if calibration is None:
        return 1.0
    check_calibration(calibration)
    return float(calibration["temperature"])


def check_calibration(calibration: object) -> None:
    """CalibrationError unless this is {temperature: a number in range, fitted_on: text, ...}."""
    if not isinstance(calibration, dict):
        raise CalibrationError(f"the model card's 'calibration' is a {type(calibration).__name__}, not a dictionary")
    temperature = calibration.get("temperature")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise CalibrationError(f"the model card's calibration temperature is {temperature!r:.40}, not a number")
    if not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise CalibrationError(f"the model card's calibration temperature {temperature} is outside "
                               f"{MIN_TEMPERATURE}-{MAX_TEMPERATURE}")
    if not isinstance(calibration.get("fitted_on"), str):
        raise CalibrationError("the model card's calibration does not say what it was fitted on ('fitted_on' text)")


@dataclass(frozen=True)
class Reading:
    """What the model makes of one drawing; see the module docstring for each field."""

    probabilities: np.ndarray = field(repr=False)
    digit: int | None
    unsure: bool = False
    candidates: tuple[int, ...] = ()
    not_a_digit: bool = False
    not_a_digit_probability: float = 0.0

    @property
    def empty(self) -> bool:
        """True when nothing was drawn (all probabilities zero)."""
        return not self.probabilities.any()

    @property
    def confidence(self) -> float:
        """The calibrated probability of the best digit (0 when nothing is drawn)."""
        return float(self.probabilities.max()) if not self.empty else 0.0

    @property
    def text(self) -> str:
        """A short phrase for people: '7', 'unsure: 4 or 9?', "doesn't look like a digit", 'nothing drawn'."""
        if self.empty:
            return "nothing drawn"
        if self.not_a_digit:
            return "doesn't look like a digit"
        if self.unsure:
            return f"unsure: {' or '.join(map(str, self.candidates))}?"
        return str(self.digit)


def read(probabilities: np.ndarray, not_a_digit_probability: float = 0.0) -> Reading:
    """A Reading from calibrated probabilities (10,) and the detector's probability that it is no digit."""
    probabilities = np.asarray(probabilities, np.float32)
    if not probabilities.any():
        return Reading(probabilities, None)
    if not_a_digit_probability >= NOT_A_DIGIT_AT:
        return Reading(probabilities, None, not_a_digit=True, not_a_digit_probability=float(not_a_digit_probability))
    order = np.argsort(-probabilities, kind="stable")
    digit = int(order[0])
    unsure = bool(probabilities[digit] < UNSURE_BELOW)
    candidates: tuple[int, ...] = ()
    if unsure:
        cover = np.cumsum(probabilities[order])
        count = min(MAX_CANDIDATES, max(2, int(np.searchsorted(cover, CANDIDATES_COVER)) + 1))
        candidates = tuple(int(d) for d in order[:count])
    return Reading(probabilities, digit, unsure, candidates, False, float(not_a_digit_probability))
