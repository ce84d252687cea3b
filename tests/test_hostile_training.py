"""Hostile arguments and files for training and evaluation (issue 16): refused in words, nothing written."""
from __future__ import annotations

import math
import os

import pytest

from mnist_pad import paths, pendigits
from training import data, evaluate, train

PEN_SAMPLE = """.SEGMENT DIGIT    0 ? "{label}"
.COMMENT {label} {writer}  1
.PEN_DOWN
 100  100
 200  300
.PEN_UP
"""


@pytest.mark.parametrize("option, value, problem", [
    ("--time-budget", "nan", "outside the accepted range"),
    ("--time-budget", "inf", "outside the accepted range"),
    ("--time-budget", "0", "outside the accepted range"),
    ("--batch-size", "0", "outside the accepted range"),
    ("--batch-size", "-1", "outside the accepted range"),
    ("--batch-size", "1e7", "not a whole number"),
    ("--batch-size", "10000000", "outside the accepted range"),
    ("--lr", "nan", "outside the accepted range"),
    ("--lr", "-1", "outside the accepted range"),
    ("--seed", str(2**70), "outside the accepted range"),
    ("--epochs", "0", "outside the accepted range"),
])
def test_bad_training_arguments_are_argparse_errors_naming_the_bound(option, value, problem, capsys):
    with pytest.raises(SystemExit) as stop:
        train.parse_args([option, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert option in err and problem in err and "Traceback" not in err


def test_training_never_writes_a_shipped_model(capsys):
    with pytest.raises(SystemExit):
        train.parse_args(["--out", str(paths.shipped_model("robust"))])
    assert "shipped with the app" in capsys.readouterr().err


def test_evaluate_never_updates_a_shipped_models_card(tmp_path, capsys):
    before = paths.shipped_model("robust").read_bytes()
    with pytest.raises(SystemExit):
        evaluate.main(["--model", "robust", "--update-card", "--data-dir", str(tmp_path)])
    assert "shipped with the app" in capsys.readouterr().err
    assert paths.shipped_model("robust").read_bytes() == before


def test_missing_or_garbage_corrections_are_not_silently_ignored(tmp_path, capsys):
    with pytest.raises(SystemExit):
        train.parse_args(["--corrections", str(tmp_path / "missing.jsonl")])
    assert "no such file" in capsys.readouterr().err
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text("not json\n{}\n")
    with pytest.raises(SystemExit):
        train.parse_args(["--corrections", str(garbage)])
    assert "no usable drawings (2 unreadable line(s))" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        evaluate.main(["--corrections", str(tmp_path / "missing.jsonl"), "--data-dir", str(tmp_path)])
    assert "no such file" in capsys.readouterr().err


def test_a_pen_digit_label_of_12_is_refused(tmp_path):
    path = tmp_path / "pen.tra"
    path.write_text(PEN_SAMPLE.format(label=3, writer=1) + PEN_SAMPLE.format(label=12, writer=1))
    with pytest.raises(pendigits.PendigitsError, match="label 12 is not a digit"):
        pendigits.load(path)


def test_a_pen_file_without_the_held_out_writers_gives_no_nan_figures(tmp_path, tiny_model_path):
    from mnist_pad import Recognizer

    path = tmp_path / "pen.tra"
    path.write_text(PEN_SAMPLE.format(label=3, writer=1))
    figures = evaluate.evaluate_model(Recognizer.load(tiny_model_path), None, path)
    assert all(not (isinstance(v, float) and math.isnan(v)) for v in figures.values())
    assert "no digits by the held-out writers" in figures["pendigits_note"]
    assert "held-out writers" in evaluate.format_table("tiny", figures)


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_pipe_or_device_as_an_mnist_or_pen_file_is_refused_at_once(tmp_path, special):
    folder = data.raw_dir(tmp_path)
    folder.mkdir(parents=True)
    first = folder / next(iter(data.RAW_SHA256))
    pen = tmp_path / "pen.tra"
    if special == "fifo":
        os.mkfifo(first)
        os.mkfifo(pen)
    else:
        first.symlink_to(special)
        pen.symlink_to(special)
    with pytest.raises(data.DataError, match="not a regular file"):
        data.verify_raw_files(tmp_path)
    with pytest.raises(pendigits.PendigitsError, match="not a regular file"):
        pendigits.load(pen)
