"""Writer-level cross-validation (training/cross_validate.py) through `python -m training.evaluate --cross-validate`."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from mnist_pad import figures as keys, pendigits
from training import cross_validate, evaluate


def test_folds_split_the_writers_and_fold_zero_is_the_fixed_held_out_set():
    folds = cross_validate.fold_writers(range(1, 31))
    assert folds[0] == pendigits.EVAL_WRITERS
    assert sorted(w for fold in folds for w in fold) == list(range(1, 31))
    assert all(len(fold) == 6 for fold in folds)


def test_a_recipe_is_its_options_without_where_things_go():
    card = {"recipe": {"command": "python -m training --data-dir ../shared/data --epochs 30 --heldout-writers 1,6 "
                                  "--out x.pt --progress=json --low-priority --seed 3"}}
    assert cross_validate.recipe_options(card) == ["--epochs", "30", "--seed", "3"]
    assert cross_validate.held_out_writers(card) == {1, 6}
    assert cross_validate.held_out_writers({"recipe": {"command": "python -m training --epochs 3"}}) == pendigits.EVAL_WRITERS


def test_out_of_fold_calibration_uses_a_temperature_from_the_other_folds():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 400)
    logits = rng.normal(0, 1, (2, 400, 10))
    logits[0, np.arange(400), labels] += 6  # confident and mostly right at one width, noise at the other
    folds, writers = np.arange(400) % 5, np.arange(400) % 10
    figures = cross_validate.cv_figures(logits, labels, writers, folds, (4, 8))
    assert figures[keys.width_key(keys.CV_PEN, 4)] > 0.95 > figures[keys.width_key(keys.CV_PEN, 8)]
    assert figures[keys.CV_SPREAD] == pytest.approx(100 * (figures["pendigits_cv_w4_accuracy"] - figures["pendigits_cv_w8_accuracy"]))
    assert figures[keys.CV_WORST_WRITER] <= figures[keys.CV_MEAN]
    assert 0 <= figures[keys.CV_ECE] <= 1 and 0 <= figures[keys.CV_CONFIDENT_WRONG] <= 1


def _pen_subset(source, target, writers, per_writer):
    """A pen-digit file holding the first `per_writer` digits of each of `writers`, in the original format."""
    lines = source.read_text().splitlines(keepends=True)
    header, samples, current = [], [], None
    for line in lines:
        if line.startswith(".SEGMENT"):
            current = [line]
            samples.append(current)
        elif current is None:
            header.append(line)
        else:
            current.append(line)
    kept, count = [], {}
    for sample in samples:
        writer = int(sample[1].split()[2])
        if writer in writers and count.get(writer, 0) < per_writer:
            count[writer] = count.get(writer, 0) + 1
            kept.append("".join(sample))
    target.write_text("".join(header) + "".join(kept))
    return target


def test_every_writer_is_scored_by_a_model_that_never_saw_them(shared_data, pendigits_file, tmp_path):
    pen = _pen_subset(pendigits_file, tmp_path / "pen.tra", set(range(1, 11)), 8)
    base = tmp_path / "base.pt"
    subprocess.run([sys.executable, "-m", "training", "--data-dir", str(shared_data), "--pendigits", str(pen),
                    "--limit", "200", "--epochs", "1", "--out", str(base), "--progress", "json"],
                   check=True, capture_output=True)
    folds_dir = tmp_path / "folds"
    argv = ["--model", str(base), "--data-dir", str(shared_data), "--pendigits", str(pen), "--limit", "50",
            "--cross-validate", "--folds-dir", str(folds_dir), "--json"]
    result = subprocess.run([sys.executable, "-m", "training.evaluate", *argv], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout.splitlines()[-1])["figures"]
    assert figures[keys.CV_SET].startswith("10 writers in 5 folds (80 digits)")
    assert set(keys.per_width(figures, keys.CV_PEN)) == set(map(float, evaluate.BRUSH_WIDTHS))
    # four fold models were trained (the fifth fold, writers 5 and 10, is the base model's own held-out set),
    # each without its writers and otherwise with the base model's recipe
    trained = sorted(folds_dir.glob("*.json"))
    assert len(trained) == 4
    for sidecar, writers in zip(trained, ({1, 6}, {2, 7}, {3, 8}, {4, 9})):
        card = json.loads(sidecar.read_text())["card"]
        assert cross_validate.held_out_writers(card) == writers
        assert cross_validate.recipe_options(card) == ["--pendigits", str(pen), "--limit", "200", "--epochs", "1"]
        assert f"writers except {','.join(map(str, sorted(writers)))}:" in " ".join(card["training_data"])
    # a second run finds them and trains nothing
    stamps = {path: path.stat().st_mtime_ns for path in folds_dir.iterdir()}
    again = subprocess.run([sys.executable, "-m", "training.evaluate", *argv], capture_output=True, text=True)
    assert again.returncode == 0 and "training the fold model" not in again.stderr
    assert {path: path.stat().st_mtime_ns for path in folds_dir.iterdir()} == stamps
    assert json.loads(again.stdout.splitlines()[-1])["figures"] == figures


def test_a_combined_model_is_cross_validated_by_combining_each_members_fold_model(shared_data, pendigits_file, tmp_path):
    """An average of two recipes (training/combine.py) is judged like any recipe: for each fold, each
    member's recipe is trained without the fold's writers, and the two are combined."""
    pen = _pen_subset(pendigits_file, tmp_path / "pen.tra", {1, 5, 6, 10}, 8)
    common = ["--data-dir", str(shared_data), "--pendigits", str(pen), "--arch", "padnet4", "--limit", "200",
              "--epochs", "1", "--progress", "json"]
    members = [tmp_path / "a.pt", tmp_path / "b.pt"]
    for member, extra in zip(members, ([], ["--augment", "none"])):
        subprocess.run([sys.executable, "-m", "training", *common, *extra, "--out", str(member)], check=True, capture_output=True)
    both = tmp_path / "both.pt"
    subprocess.run([sys.executable, "-m", "training.combine", *map(str, members), "--out", str(both)], check=True, capture_output=True)
    folds_dir = tmp_path / "folds"
    result = subprocess.run([sys.executable, "-m", "training.evaluate", "--model", str(both), "--data-dir", str(shared_data),
                             "--pendigits", str(pen), "--limit", "50", "--cross-validate", "--folds-dir", str(folds_dir),
                             "--json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["figures"][keys.CV_SET].startswith("4 writers in 2 folds")
    combined = json.loads(both.with_suffix(".json").read_text())["card"]
    fold = json.loads((folds_dir / "fold-1-6.json").read_text())["card"]
    assert fold["arch"] == "padnet4x2"
    assert cross_validate.recipe_options(fold) == cross_validate.recipe_options(combined)
    assert cross_validate.held_out_writers(fold) == {1, 6}
    for index, extra in enumerate(([], ["--augment", "none"])):
        member = json.loads((folds_dir / f"member-{index}" / "fold-1-6.json").read_text())["card"]
        assert cross_validate.held_out_writers(member) == {1, 6}
        assert cross_validate.recipe_options(member) == ["--pendigits", str(pen), "--arch", "padnet4", "--limit", "200",
                                                          "--epochs", "1", *extra]
