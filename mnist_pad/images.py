"""Reading a picture of a digit from a file, safely: the common raster formats, any mode.

Guards: only raster formats are even identified (Pillow would hand EPS to Ghostscript, whatever
the file's name), a size limit before decoding (decompression bombs), and every failure becomes
one ImageError whose message names the file and says what is wrong.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # Pillow is imported on the first read: the app starts without it (~55 ms, several MB)
    from PIL import Image

MAX_PIXELS = 40_000_000  # 40 MP: any real photo of a digit; far below a decompression bomb
MAX_BYTES = 100 * 1024 * 1024
# Raster formats decoded by Pillow itself; PostScript (EPS) would run Ghostscript, so it is never tried.
FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM")


class ImageError(ValueError):
    """A file that cannot be read as a picture of a digit."""

    def __init__(self, path: os.PathLike | str, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


def read_gray(path: os.PathLike | str, at_least: int | None = None) -> np.ndarray:
    """A picture file as a grey uint8 array; transparency is flattened onto a contrasting background.

    `at_least`: the caller shrinks the picture to this many pixels on its longer side anyway, so a larger
    JPEG may be decoded at a half, a quarter or an eighth of its size (libjpeg scales while decoding,
    through Pillow's draft), never below that: a 12 MP phone photo reads in ~13 ms instead of ~180 ms,
    within a fraction of a grey level of decoding it whole and shrinking it.
    """
    return read_gray_and_text(path, at_least=at_least)[0]


def read_gray_and_text(path: os.PathLike | str, key: str | None = None,
                       at_least: int | None = None) -> tuple[np.ndarray, str | None]:
    """read_gray, and the PNG text chunk named `key` (None when there is none, or no key is asked for)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if path.is_dir():
        raise ImageError(path, "is a folder, not an image file")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageError(path, "no such file") from None
    except OSError as error:
        raise ImageError(path, f"cannot be read ({error.strerror or error})") from None
    if not path.is_file():  # a FIFO would block the read for ever, /dev/zero never ends
        raise ImageError(path, "is not a regular file (a pipe or a device?)")
    if size == 0:
        raise ImageError(path, "is empty (0 bytes)")
    if size > MAX_BYTES:
        raise ImageError(path, f"is {size / 2**20:.0f} MiB, too large for a picture of a digit")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise ImageError(path, f"is {width}x{height} pixels, over the {MAX_PIXELS // 1_000_000} MP limit")
                if at_least and image.format == "JPEG" and max(width, height) >= 2 * at_least:
                    scale = at_least / max(width, height)
                    image.draft("L", (max(1, round(width * scale)), max(1, round(height * scale))))
                image.load()
                text = getattr(image, "text", {}).get(key) if key is not None else None  # PNG only
                return to_gray(ImageOps.exif_transpose(image)), text if isinstance(text, str) else None
    except ImageError:
        raise
    except PermissionError:
        raise ImageError(path, "permission denied") from None
    except UnidentifiedImageError:
        raise ImageError(path, f"is not an image in a format this app can read ({', '.join(FORMATS)})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(path, "declares a huge size (a decompression bomb?); refused") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise ImageError(path, f"is damaged or truncated ({error})") from None


def to_gray(image: "Image.Image") -> np.ndarray:
    """Any Pillow image (16-bit, palette, RGBA, …) as grey uint8."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        finite = np.isfinite(values)
        if not finite.any():
            raise ValueError("no pixel holds a number (all NaN or infinite)")
        # A NaN or infinite pixel says nothing about ink: give it the picture's typical (background) value.
        values = np.where(finite, values, np.median(values[finite]))
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) / (high - low) * 255 if high > low else np.zeros_like(values)
        return scaled.astype(np.uint8)
    if image.mode == "P" or "A" in image.getbands() or image.info.get("transparency") is not None:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:4] / 255.0
        gray = rgba[..., :3].mean(axis=2, keepdims=True)
        opaque = alpha[..., 0] > 0.5
        # ink drawn in white on a transparent sheet needs a dark backdrop, and vice versa
        backdrop = 0.0 if opaque.any() and gray[..., 0][opaque].mean() > 127 else 255.0
        return (gray * alpha + backdrop * (1 - alpha))[..., 0].round().astype(np.uint8)
    return np.asarray(image.convert("L"), dtype=np.uint8)
