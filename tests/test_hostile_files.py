"""Hostile files found by an independent sweep (issue 16): pictures, checkpoints, corrections, file modes."""
from __future__ import annotations

import os
import stat
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
