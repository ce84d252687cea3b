"""Writer-level cross-validation: every pen-digit writer scored by a model that never saw them.

    python -m training.evaluate --model robust --cross-validate [--folds-dir DIR]

The writers of the pen-digit file fall into FOLDS folds by number (fold k: writer % FOLDS == k), so
fold 0 is pendigits.EVAL_WRITERS, the writers every recipe here holds out by default. Each fold is
scored by a model trained with the evaluated model's own recipe while holding that fold's writers out
(`python -m training --heldout-writers ...`): the evaluated model itself for the writers it held out,
and for the other folds models kept in the folds folder, trained there first when missing (about as
long as the recipe takes each; a run that is stopped keeps the folds finished so far).

Reported beside the fixed held-out writers: accuracy per brush width over all writers, the worst
writer, and calibration judged out of fold: each fold's probabilities use a temperature fitted on
the other folds' logits, so no figure comes from data its temperature saw. The temperature fitted on
all folds is the one `--write-calibration` stores in the model card.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Callable

import numpy as np

from mnist_pad import checkpoint, confidence, engine, figures as keys, pendigits
from mnist_pad.recipe import member_recipes
from mnist_pad.recognizer import Recognizer

from . import cache, combine, data, export

FOLDS = 5
# Options of a recipe that say where things go or how progress looks, not what is trained.
_NOT_RECIPE = {"--out": 1, "--progress": 1, "--data-dir": 1, "--low-priority": 0, "--heldout-writers": 1}
Say = Callable[[str], None]


class CrossValidationError(Exception):
    """A fold model could not be trained or loaded; the message says which and why."""


def fold_writers(writers, folds: int = FOLDS) -> list[frozenset[int]]:
    """The writers of each fold, fold k holding those whose number is k modulo `folds`."""
    return [frozenset(w for w in writers if w % folds == k) for k in range(folds)]


def recipe_options(card: dict) -> list[str]:
    """The training options that define a model's recipe (no output path, data folder or held-out writers).
    A combined model's (training/combine.py) are its members' options, joined by "+"."""
    recipe = card.get("recipe") or {}
    members = _members(card)
    if members:
        return [word for index, member in enumerate(members) for word in ([] if index == 0 else ["+"]) + recipe_options(member)]
    words = shlex.split(recipe.get("command", ""))[3:]  # after "python -m training"
    options, index = [], 0
    while index < len(words):
        word = words[index]
        name, _, attached = word.partition("=")
        if name in _NOT_RECIPE:
            index += 1 + (0 if attached else _NOT_RECIPE[name])
            continue
        options.append(word)
        index += 1
    return options


def held_out_writers(card: dict) -> frozenset[int]:
    """The pen-digit writers a model's recipe held out (pendigits.EVAL_WRITERS unless it says otherwise);
    a combined model's are its first member's (combined fold models are made of members of one fold)."""
    members = _members(card)
    if members:
        return held_out_writers(members[0])
    words = shlex.split((card.get("recipe") or {}).get("command", ""))
    for index, word in enumerate(words):
        if word.startswith("--heldout-writers"):
            text = word.partition("=")[2] or (words[index + 1] if index + 1 < len(words) else "")
            return frozenset(int(part) for part in text.split(","))
    return pendigits.EVAL_WRITERS


def default_folds_dir(card: dict) -> Path:
    """Where the fold models of a recipe are kept: the training cache, one folder per recipe."""
    digest = hashlib.sha256(json.dumps(recipe_options(card)).encode()).hexdigest()[:12]
    return cache.cache_dir() / "cross-validation" / f"{card.get('name', 'model')}-{digest}"


def _writers_text(writers: frozenset[int]) -> str:
    return ",".join(map(str, sorted(writers)))


def _matching(folds_dir: Path, options: list[str], writers: frozenset[int]) -> Path | None:
    """A checkpoint in `folds_dir` whose description says it has this recipe and held these writers out."""
    for sidecar in sorted(folds_dir.glob("*.json")):
        try:
            card = engine.read_sidecar(sidecar).card
        except engine.ModelError:
            continue
        if recipe_options(card) == options and held_out_writers(card) == writers and sidecar.with_suffix(".pt").exists():
            return sidecar.with_suffix(".pt")
    return None


def fold_model(card: dict, writers: frozenset[int], folds_dir: Path, data_dir: str, say: Say) -> Recognizer:
    """The model of the recipe in `card` trained without `writers`: found in `folds_dir`, else trained there."""
    return export.load_recognizer(_fold_checkpoint(card, writers, folds_dir, data_dir, say), data_dir)


def _fold_checkpoint(card: dict, writers: frozenset[int], folds_dir: Path, data_dir: str, say: Say) -> Path:
    """fold_model's checkpoint. A combined model's is the average of its members' fold models, each
    found or trained in a folder of its own (member-0, member-1) under `folds_dir`."""
    options = recipe_options(card)
    found = _matching(folds_dir, options, writers) if folds_dir.is_dir() else None
    if found is not None:
        return found
    folds_dir.mkdir(parents=True, exist_ok=True)
    path = folds_dir / f"fold-{'-'.join(map(str, sorted(writers)))}.pt"
    members = _members(card)
    if not members:
        _train_fold(options, writers, path, data_dir, say)
        return path
    parts = [_fold_checkpoint(member, writers, folds_dir / f"member-{index}", data_dir, say)
             for index, member in enumerate(members)]
    say(f"combining the members' fold models without writers {_writers_text(writers)}")
    try:
        combine.combine(parts, path, data_dir)
    except (combine.CombineError, checkpoint.CheckpointError, export.ExportError, OSError) as error:
        raise CrossValidationError(f"combining the fold models without writers {_writers_text(writers)} failed: {error}") from None
    return path


def _train_fold(options: list[str], writers: frozenset[int], path: Path, data_dir: str, say: Say) -> None:
    command = [sys.executable, "-m", "training", *options, "--heldout-writers", _writers_text(writers),
               "--data-dir", str(data_dir), "--out", str(path)]
    say(f"training the fold model without writers {_writers_text(writers)}: {shlex.join(command[1:])}")
    finished = subprocess.run(command, stdin=subprocess.DEVNULL)
    if finished.returncode != 0:
        raise CrossValidationError(f"training the fold model without writers {_writers_text(writers)} failed "
                                   f"(exit status {finished.returncode}); the folds finished so far are kept in {path.parent}")


def _members(card: dict) -> list[dict]:
    """A combined model's member cards (their recipes), or [] for a model trained as one."""
    return [{"recipe": recipe} for recipe in member_recipes(card.get("recipe") or {})]


def out_of_fold_logits(recognizer: Recognizer, pen_file: os.PathLike | str, data_dir: str, folds_dir: Path,
                       widths: tuple, say: Say = print) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Logits (len(widths), N, 10), labels, writers and folds of every pen digit, each from a model that never saw its writer."""
    card = recognizer.card
    digits = pendigits.load(pen_file)
    parts = []
    for fold, writers in enumerate(fold_writers({d.writer for d in digits})):
        if not writers:
            continue
        model = recognizer if writers <= held_out_writers(card) else fold_model(card, writers, folds_dir, data_dir, say)
        renders, labels = data.heldout_pen_renders(pen_file, widths, writers=writers)
        logits = np.stack([model.logits_mnist(images) for images in renders])
        own = np.array([d.writer for d in digits if d.writer in writers])
        parts.append((logits, labels, own, np.full(len(labels), fold)))
        say(f"fold {fold} (writers {_writers_text(writers)}): {len(labels)} digits, "
            f"{float((logits.argmax(axis=2) == labels).mean()):.2%} over the brush widths")
    return (np.concatenate([p[0] for p in parts], axis=1), *(np.concatenate([p[i] for p in parts]) for i in (1, 2, 3)))


def leave_one_fold_out(logits: np.ndarray, labels: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Probabilities of each fold at the temperature fitted on the other folds (logits (M, 10), flat)."""
    probabilities = np.zeros_like(logits)
    for fold in np.unique(folds):
        own = folds == fold
        probabilities[own] = confidence.softmax(logits[own], confidence.fit_temperature(logits[~own], labels[~own]))
    return probabilities


def cv_figures(logits: np.ndarray, labels: np.ndarray, writers: np.ndarray, folds: np.ndarray, widths: tuple) -> dict:
    """Accuracy per width and of the worst writer, and out-of-fold calibration, as model-card figures."""
    correct = logits.argmax(axis=2) == labels  # (widths, N)
    per_width = {width: float(row.mean()) for width, row in zip(widths, correct)}
    per_writer = {int(w): float(correct[:, writers == w].mean()) for w in np.unique(writers)}
    worst_writer = min(per_writer, key=per_writer.get)
    flat_logits = logits.reshape(-1, logits.shape[-1])
    flat_labels, flat_folds = np.tile(labels, len(widths)), np.tile(folds, len(widths))
    honest = leave_one_fold_out(flat_logits, flat_labels, flat_folds)
    figures = {keys.width_key(keys.CV_PEN, width): accuracy for width, accuracy in per_width.items()}
    figures.update({
        keys.CV_MEAN: float(np.mean(list(per_width.values()))),
        keys.CV_WORST: min(per_width.values()),
        keys.CV_SPREAD: 100 * (max(per_width.values()) - min(per_width.values())),
        keys.CV_WORST_WRITER: per_writer[worst_writer],
        keys.CV_SET: (f"{len(per_writer)} writers in {len(np.unique(folds))} folds ({len(labels)} digits), each scored "
                      f"by a model trained without its fold; worst writer {worst_writer}"),
        keys.CV_ECE: confidence.expected_calibration_error(honest, flat_labels),
        keys.CV_CONFIDENT_WRONG: confidence.confident_wrong_share(honest, flat_labels),
    })
    return figures


def fitted_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature fitted on every out-of-fold logit (the one a model card stores)."""
    return confidence.fit_temperature(logits.reshape(-1, logits.shape[-1]), np.tile(labels, len(logits)))


def format_lines(figures: dict, widths: tuple) -> list[str]:
    """The cross-validation figures as table lines, in the layout of evaluate.format_table."""
    accuracies = keys.per_width(figures, keys.CV_PEN)
    return [f"  pen-drawn digits, cross-validated: {figures[keys.CV_SET]}:",
            "    brush width  " + "  ".join(f"{w:>6}" for w in widths),
            "    accuracy     " + "  ".join(f"{a:6.2%}" for a in accuracies.values()),
            f"    mean {figures[keys.CV_MEAN]:.2%}, worst width {figures[keys.CV_WORST]:.2%}, best minus worst "
            f"{figures[keys.CV_SPREAD]:.2f} points, worst writer {figures[keys.CV_WORST_WRITER]:.2%}",
            f"    calibration out of fold (T fitted on the other folds): ECE {figures[keys.CV_ECE]:.2%}, "
            f"wrong answers at >= 95%: {figures[keys.CV_CONFIDENT_WRONG]:.1%}"]
