"""Model cards: the JSON-like description stored in each checkpoint, checked before anything shows it.

A card comes from a file anyone can write, so every size it could declare is bounded before a
value is formatted or displayed: how deep it nests, how many values it holds (shared references
counted at each use, so `x = [x] * 10` nested 25 deep is refused, not walked for ever), how long a
string is, and the types of the fields the app reads (`calibration`: see mnist_pad.confidence).
"""
from __future__ import annotations

import math
from typing import Any

from .confidence import check_calibration

MAX_DEPTH = 8
MAX_VALUES = 5_000
MAX_STRING = 10_000  # characters in any one key or value
MAX_TEXT = 200_000   # characters in all strings together
# Fields the app reads, and the types it expects of them.
TEXT_FIELDS = ("name", "description", "arch", "date", "figures_command", "weights_sha256")
_SCALARS = (str, int, float, bool, type(None))


def validate_card(card: object) -> dict[str, Any]:
    """The card itself when it is a bounded, JSON-like dict of the expected shape; ValueError naming the problem otherwise."""
    if not isinstance(card, dict):
        raise ValueError(f"the model card is a {type(card).__name__}, not a dictionary")
    _check_bounds(card)
    for key in TEXT_FIELDS:
        if key in card and not isinstance(card[key], str):
            raise ValueError(f"the model card's {key!r} is a {type(card[key]).__name__}, not text")
    version = card.get("preprocess_version")
    if version is not None and type(version) is not int:
        raise ValueError(f"the model card's 'preprocess_version' is a {type(version).__name__}, not a whole number")
    for key in ("recipe", "figures"):
        if key in card and not isinstance(card[key], dict):
            raise ValueError(f"the model card's {key!r} is a {type(card[key]).__name__}, not a dictionary")
    if "calibration" in card:
        check_calibration(card["calibration"])
    for name, value in card.get("figures", {}).items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"the model card's figure {name!r} is a {type(value).__name__}, not a number")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"the model card's figure {name!r} is {value}, not a finite number")
    return card


def _check_bounds(card: dict) -> None:
    """Walk the card without recursion, stopping at the first bound exceeded."""
    pending: list[tuple[object, int]] = [(card, 1)]
    values = text = 0
    while pending:
        value, depth = pending.pop()
        values += 1
        if isinstance(value, (dict, list, tuple)):
            if depth > MAX_DEPTH:
                raise ValueError(f"the model card nests deeper than {MAX_DEPTH} levels (the limit)")
            if values + len(pending) + len(value) > MAX_VALUES:
                raise ValueError(f"the model card holds more than {MAX_VALUES:,} values (the limit)")
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValueError(f"the model card has a key that is a {type(key).__name__}, not text")
                text += _text_length(key)
                pending.append((item, depth + 1))
        elif isinstance(value, (list, tuple)):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, _SCALARS):
            if isinstance(value, str):
                text += _text_length(value)
        else:
            raise ValueError(f"the model card holds a {type(value).__name__}; a card holds only text, numbers, lists and dictionaries")
        if text > MAX_TEXT:
            raise ValueError(f"the model card's text is longer than {MAX_TEXT:,} characters (the limit)")


def _text_length(text: str) -> int:
    if len(text) > MAX_STRING:
        raise ValueError(f"the model card holds a text of {len(text):,} characters, over the {MAX_STRING:,} limit")
    return len(text)
