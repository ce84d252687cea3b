"""Hostile files found by an independent sweep (issue 16): pictures, checkpoints, corrections, file modes."""
from __future__ import annotations

import os
import stat
import sys
import time

import numpy as np
import pytest
from PIL import Image

from mnist_pad.images import ImageError, read_gray

EPS_LOOP = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n{ } loop\n"


# -- pictures ----------------------------------------------------------------------------------
def test_postscript_under_a_png_name_never_reaches_ghostscript(tmp_path, monkeypatch):
    from PIL import EpsImagePlugin

    def ghostscript(*args, **kwargs):
        raise AssertionError("Ghostscript was started")

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", ghostscript)
    path = tmp_path / "x.png"
    path.write_bytes(EPS_LOOP)
    started = time.perf_counter()
    with pytest.raises(ImageError, match="not an image in a format"):
        read_gray(path)
    assert time.perf_counter() - started < 5


def test_exif_orientation_is_applied(tmp_path):
    pixels = np.full((20, 40), 255, np.uint8)
    pixels[:, :5] = 0  # ink along the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / "phone.jpg"
    Image.fromarray(pixels).save(path, exif=exif, quality=95)
    gray = read_gray(path)
    assert gray.shape == (40, 20)
    assert gray[:5].mean() < 60 and gray[-5:].mean() > 200  # the left edge is now the top


def test_one_nan_pixel_in_a_float_tiff_keeps_the_picture(tmp_path):
    values = np.zeros((28, 28), np.float32)
    values[5:23, 12:16] = 1.0
    values[0, 0] = np.nan
    path = tmp_path / "float.tif"
    Image.fromarray(values, mode="F").save(path)
    gray = read_gray(path)
    assert gray[10, 13] == 255 and gray[20, 3] == 0


def test_an_all_nan_float_tiff_is_refused(tmp_path):
    path = tmp_path / "nan.tif"
    Image.fromarray(np.full((8, 8), np.nan, np.float32), mode="F").save(path)
    with pytest.raises(ImageError, match="NaN"):
        read_gray(path)


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_pipe_or_device_as_a_picture_is_refused_at_once(tmp_path, special):
    path = tmp_path / "pipe.png"
    if special == "fifo":
        os.mkfifo(path)
    else:
        path = special
    with pytest.raises(ImageError, match="not a regular file"):
        read_gray(path)


# -- checkpoints and model cards ---------------------------------------------------------------
def _raw_checkpoint(path, **overrides):
    import torch

    from mnist_pad import model

    payload = {"format": "mnist-pad", "version": 1, "arch": "padnet",
               "state_dict": model.build("padnet").state_dict(), "card": {"name": "x"}}
    payload.update(overrides)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)  # pickling a card nested 20,000 deep, as an attacker's tool would
    try:
        torch.save(payload, path)
    finally:
        sys.setrecursionlimit(limit)
    return path


def _nested(depth):
    value: object = "leaf"
    for _ in range(depth):
        value = [value]
    return value


def _shared_bomb(levels=25, width=10):
    value: object = ["x"]
    for _ in range(levels):
        value = [value] * width
    return value


@pytest.mark.parametrize("card, problem", [
    ({"name": _shared_bomb()}, "nests deeper than 8"),  # the 1.7 MB file
    ({"name": _shared_bomb(levels=6, width=30)}, "more than 5,000 values"),
    ({"name": "a" * 20_000_000}, "over the 10,000 limit"),
    ({"notes": _nested(20_000)}, "nests deeper than 8"),
    ({"name": ["not", "text"]}, "'name' is a list"),
    ({"figures": [0.99]}, "'figures' is a list"),
    ({"figures": {"mnist_test_accuracy": float("nan")}}, "not a finite number"),
    ({"figures": {"mnist_test_accuracy": [1]}}, "not a number"),
    ({1: "int key"}, "key that is a int"),
    ([("name", "x")], "not a dictionary"),
])
def test_hostile_model_cards_are_refused_quickly(tmp_path, card, problem):
    from mnist_pad import checkpoint
    from mnist_pad.card import validate_card

    started = time.perf_counter()
    with pytest.raises(ValueError, match=problem):
        validate_card(card)
    path = _raw_checkpoint(tmp_path / "card.pt", card=card)
    with pytest.raises(checkpoint.CheckpointError, match=problem):
        checkpoint.load(path)
    assert time.perf_counter() - started < 10


def test_the_shipped_cards_are_valid():
    from mnist_pad import checkpoint, paths
    from mnist_pad.card import validate_card

    for name in paths.SHIPPED_MODELS:
        card = checkpoint.load(paths.shipped_model(name)).card
        assert validate_card(card) is card
        assert len(card["weights_sha256"]) == 64, f"{name}.pt carries no digest of its weights"


@pytest.mark.parametrize("overrides, problem", [
    ({"arch": ["padnet"]}, "unknown architecture"),
    ({"state_dict": {1: None}}, "named tensors"),
])
def test_odd_headers_raise_checkpoint_error_not_type_errors(tmp_path, overrides, problem):
    from mnist_pad import checkpoint

    with pytest.raises(checkpoint.CheckpointError, match=problem):
        checkpoint.load(_raw_checkpoint(tmp_path / "odd.pt", **overrides))


def test_an_int_key_among_real_weights_is_refused(tmp_path):
    from mnist_pad import checkpoint, model

    state = dict(model.build("padnet").state_dict())
    state[7] = state.pop(next(iter(state)))
    with pytest.raises(checkpoint.CheckpointError, match="named tensors"):
        checkpoint.load(_raw_checkpoint(tmp_path / "int-key.pt", state_dict=state))


def test_complex_nan_weights_are_refused(tmp_path):
    import torch

    from mnist_pad import checkpoint, model

    state = dict(model.build("padnet").state_dict())
    name = next(iter(state))
    state[name] = torch.full(state[name].shape, complex(float("nan"), 0.0), dtype=torch.complex64)
    with pytest.raises(checkpoint.CheckpointError, match="not real floating-point"):
        checkpoint.load(_raw_checkpoint(tmp_path / "complex.pt", state_dict=state))


def test_bit_rot_in_the_weights_is_found_by_the_digest(tmp_path):
    import torch

    from mnist_pad import checkpoint, model

    path = tmp_path / "m.pt"
    checkpoint.save(path, model.build("padnet"), "padnet", {"name": "m"})
    payload = torch.load(path, weights_only=True)
    tensor = next(iter(payload["state_dict"].values()))
    tensor.view(-1)[0] += 1e-3  # one weight changed, the card (with its digest) untouched
    torch.save(payload, path)
    with pytest.raises(checkpoint.CheckpointError, match="do not match the digest"):
        checkpoint.load(path)


# -- file modes --------------------------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_atomic_writes_get_the_mode_of_a_normal_file(tmp_path, umask):
    from mnist_pad.files import write_atomic

    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "out.png", b"data")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "out.png").stat().st_mode) == 0o666 & ~umask


# -- corrections -------------------------------------------------------------------------------
SEVEN = [[(60.0, 60.0), (220.0, 60.0), (120.0, 240.0)]]


def _good_line(label=7, **fields):
    import json

    record = {"strokes": [[list(p) for p in s] for s in SEVEN], "label": label, "brush_width": 12.0, "canvas_size": 280}
    record.update(fields)
    return json.dumps(record) + "\n"


@pytest.mark.parametrize("bad_line", [
    "[" * 100_000 + "]" * 100_000 + "\n",         # nested JSON: RecursionError in the decoder
    _good_line(canvas_size=1_000_000),
    _good_line(brush_width=1e9),
    _good_line(strokes=[[[1, 2], [3, 4]]] * 2_000),
    '{"pad": "' + "x" * (2**20 + 10) + '"}\n',
])
def test_hostile_correction_lines_are_skipped_and_the_rest_kept(tmp_path, bad_line):
    from mnist_pad import corrections

    path = tmp_path / "c.jsonl"
    path.write_text(_good_line(1) + bad_line + _good_line(2))
    records, skipped = corrections.load(path)
    assert [r.label for r in records] == [1, 2] and skipped == 1


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_a_pipe_or_device_as_the_corrections_file_is_refused_at_once(tmp_path, special):
    from mnist_pad import corrections

    path = tmp_path / "c.jsonl"
    if special == "fifo":
        os.mkfifo(path)
    else:
        path = special
    with pytest.raises(corrections.CorrectionsError, match="not a regular file"):
        corrections.load(path)


def test_a_corrections_file_over_the_size_limit_is_refused_with_the_bound(tmp_path, monkeypatch):
    from mnist_pad import corrections

    monkeypatch.setattr(corrections, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "c.jsonl"
    path.write_text(_good_line() * 20)
    with pytest.raises(corrections.CorrectionsError, match="limit"):
        corrections.load(path)
    with pytest.raises(corrections.CorrectionsError, match="limit"):
        corrections.append(path, corrections.make(SEVEN, 3, 12.0, 280))


def test_too_many_records_are_refused_with_the_bound(tmp_path, monkeypatch):
    from mnist_pad import corrections

    monkeypatch.setattr(corrections, "MAX_RECORDS", 5)
    path = tmp_path / "c.jsonl"
    path.write_text(_good_line() * 6)
    with pytest.raises(corrections.CorrectionsError, match="more than 5 drawings"):
        corrections.load(path)


def test_delete_keeps_records_saved_since_and_unreadable_lines(tmp_path):
    from mnist_pad import corrections

    path = tmp_path / "c.jsonl"
    path.write_text(_good_line(1) + "garbage\n" + _good_line(2))
    shown, _ = corrections.load(path)
    corrections.append(path, corrections.make(SEVEN, 9, 12.0, 280))  # saved while the list was open
    corrections.delete(path, [shown[0].line_id])
    records, skipped = corrections.load(path)
    assert [r.label for r in records] == [2, 9] and skipped == 1
