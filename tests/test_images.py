"""Picture files: every odd or broken file gives one clear ImageError; odd modes still work."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from mnist_pad.images import ImageError, read_gray
from mnist_pad.raster import rasterize

SEVEN = [[(60, 60), (200, 60), (120, 230)]]


def _ink():
    return rasterize(SEVEN, 16, 280)


def _bomb_png(path, width=100_000, height=100_000):
    """A tiny PNG whose header claims 10 gigapixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("name, make, reason", [
    ("zero.png", lambda p: p.write_bytes(b""), "empty"),
    ("text.png", lambda p: p.write_text("not an image at all"), "not an image"),
    ("bomb.png", _bomb_png, "limit|bomb"),
    ("truncated.png", lambda p: p.write_bytes(_png_bytes()[:200]), "damaged|truncated|not an image"),
])
def test_bad_files_raise_image_error(tmp_path, name, make, reason):
    path = tmp_path / name
    make(path)
    with pytest.raises(ImageError, match=reason) as error:
        read_gray(path)
    assert str(path) in str(error.value)


def _png_bytes():
    import io
    buffer = io.BytesIO()
    Image.fromarray(255 - _ink()).save(buffer, "PNG")
    return buffer.getvalue()


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        read_gray(tmp_path / "nope.png")
    with pytest.raises(ImageError, match="folder"):
        read_gray(tmp_path)


def test_modes_16bit_rgba_palette_all_read_as_the_same_digit(tmp_path):
    ink = _ink()
    reference = 255 - ink
    files = {
        "gray16.png": Image.fromarray((reference.astype(np.uint16) * 257)),
        "rgb.jpg": Image.fromarray(np.stack([reference] * 3, axis=2)),
        "palette.gif": Image.fromarray(reference).convert("P"),
        "rgba_dark_ink.png": Image.fromarray(np.dstack([np.zeros_like(ink)] * 3 + [ink])),
        "rgba_light_ink.png": Image.fromarray(np.dstack([np.full_like(ink, 255)] * 3 + [ink])),
    }
    for name, image in files.items():
        image.save(tmp_path / name)
        gray = read_gray(tmp_path / name)
        assert gray.shape == (280, 280) and gray.dtype == np.uint8, name
        ink_pixels = (gray < 128) if gray[0, 0] > 127 else (gray > 127)
        overlap = (ink_pixels & (ink > 127)).sum() / (ink > 127).sum()
        assert overlap > 0.9, name


@pytest.mark.parametrize("value, size", [(255, (50, 50)), (0, (50, 50)), (0, (1, 1)), (255, (1, 1))])
def test_flat_and_tiny_images_read_fine(tmp_path, value, size):
    path = tmp_path / "flat.png"
    Image.fromarray(np.full(size, value, np.uint8)).save(path)
    assert read_gray(path).shape == size


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_never_below_the_size_asked_for(tmp_path):
    """A phone photo is shrunk to the picture reading's working size anyway: libjpeg may decode it at a half,
    a quarter or an eighth of its size, never smaller than that, with its EXIF turn applied and the same
    grey levels as decoding it whole and shrinking it. Other formats, and small JPEGs, are read whole."""
    import cv2

    ink = cv2.resize(_ink(), (3200, 2400))
    colour = np.dstack([255 - ink, 240 - ink * 0.9, 230 - ink * 0.8]).clip(0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways, as phones do
    photo = tmp_path / "phone.jpg"
    Image.fromarray(colour).save(photo, exif=exif, quality=90)
    whole = read_gray(photo)
    assert whole.shape == (3200, 2400)
    reduced = read_gray(photo, at_least=640)
    assert reduced.shape == (800, 600)  # a quarter: an eighth (400x300) would be below 640
    shrunk = cv2.resize(whole, (600, 800), interpolation=cv2.INTER_AREA)
    assert np.abs(reduced.astype(int) - shrunk.astype(int)).mean() < 1.0
    assert read_gray(photo, at_least=1000).shape == (1600, 1200)  # a half
    assert read_gray(photo, at_least=1700).shape == (3200, 2400)  # not twice the size asked for: whole

    png = tmp_path / "scan.png"
    Image.fromarray(colour).save(png)
    assert read_gray(png, at_least=640).shape == (2400, 3200)
