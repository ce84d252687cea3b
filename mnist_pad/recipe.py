"""A training recipe: the options of `python -m training`, typed, shared by the CLI and the Retrain dialog.

The CLI builds one from its parsed arguments (`Recipe.from_args`) and takes its defaults from here;
the app builds one from the dialog's widgets and turns it into arguments with `to_argv()`, so
no argument string is ever spelled out by hand twice.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass, fields, replace

FINETUNE_BUDGET_S = 30  # a quick fine-tune of one network: long enough to learn the corrections, short enough to wait for


def finetune_budget_s(card: dict) -> int:
    """The quick fine-tune's time budget for a model: FINETUNE_BUDGET_S a network (a combined model,
    training/combine.py, has several: each trains, is evaluated and is checked against its ONNX form)."""
    members = card.get("members") if isinstance(card, dict) else None
    return FINETUNE_BUDGET_S * max(1, len(members) if isinstance(members, list) else 1)


def member_recipes(recipe: dict) -> list[dict]:
    """The recipes of a combined model's networks (training/combine.py) from its recipe; [] for one network."""
    members = recipe.get("members") if isinstance(recipe, dict) else None
    return [member for member in members if isinstance(member, dict)] if isinstance(members, list) else []


@dataclass(frozen=True)
class Recipe:
    """What to train and how; None means "the CLI's default" (see training/train.py)."""

    data_dir: str | None = None
    time_budget: float | None = None
    epochs: int | None = None
    augment: str = "full"
    device: str = "auto"
    arch: str | None = None            # the CLI's default: padnet4, or padnet within a time budget
    init: str | None = None            # fine-tune from this checkpoint
    corrections: str | None = None     # the user's corrections .jsonl
    pendigits: str = "auto"
    pen_widths: int = 6                # renders of each pen-drawn digit, at random brush widths
    lr: float | None = None
    batch_size: int | None = None      # the CLI's default: smaller within a time budget
    schedule: str = "onecycle"
    seed: int = 0

    def to_argv(self) -> list[str]:
        """The command-line options that reproduce this recipe (unset ones left out)."""
        argv: list[str] = []
        for item in fields(self):
            value = getattr(self, item.name)
            if value is None:
                continue
            text = f"{value:g}" if isinstance(value, float) else str(value)
            argv += [f"--{item.name.replace('_', '-')}", text]
        return argv

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Recipe:
        """The recipe in parsed CLI arguments."""
        return cls(**{item.name: getattr(args, item.name) for item in fields(cls)})

    @classmethod
    def finetune(cls, init: str, corrections: str, budget_s: float = FINETUNE_BUDGET_S, **options) -> Recipe:
        """A quick fine-tune of the model at `init` on the user's corrections (finetune_budget_s of its card)."""
        if not init:
            raise ValueError("fine-tuning needs the model in use; none is loaded")
        return replace(cls(**options), init=init, corrections=corrections, time_budget=budget_s)
