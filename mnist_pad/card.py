"""Model cards: the JSON-like description every model carries, checked before anything shows it."""
from __future__ import annotations

import math

MAX_DEPTH = 8
MAX_ITEMS = 2000        # values and keys in the whole card
MAX_STRING = 20_000     # characters in one string


def validate_card(card: object) -> dict:
    """The card itself when it is a dict of JSON-like values of bounded size and depth; else ValueError."""
    if not isinstance(card, dict):
        raise ValueError(f"the model card is a {type(card).__name__}, not a dictionary")
    budget = [MAX_ITEMS]
    _check(card, 0, budget)
    return card


def _check(value: object, depth: int, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"the model card holds more than {MAX_ITEMS} values")
    if depth > MAX_DEPTH:
        raise ValueError(f"the model card nests deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("the model card holds a NaN or infinite number")
        return
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise ValueError(f"the model card holds a string of {len(value)} characters (at most {MAX_STRING})")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check(item, depth + 1, budget)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"the model card has a key that is not text: {key!r:.40}")
            _check(key, depth + 1, budget)
            _check(item, depth + 1, budget)
        return
    raise ValueError(f"the model card holds a {type(value).__name__}, which is not JSON-like")
