"""Realistic pictures of a digit, rendered: paper, light, pens and cameras as people meet them.

`picture(ink, condition, rng)` puts a digit (white ink on black, any size, e.g. rasterized pen
strokes or an enlarged MNIST image) on paper under one named condition and returns the grey
uint8 picture the app would get from a file (colour is converted as Pillow's "L" mode does).
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

WHITE, BLACK = np.array([250, 250, 245.0]), np.array([25, 25, 30.0])
CONDITIONS = ("clean", "gradient", "shadow", "grey_paper", "coloured_paper", "coloured_ink", "blur_noise_jpeg",
              "ruled_lines", "specks", "paper_edge", "small_in_big_photo", "low_resolution", "see_through",
              "dark_band", "tilted_sheet", "printed_box", "cropped_close")


def picture(ink: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    """The digit `ink` (uint8, white on black) photographed under `condition` (one of CONDITIONS)."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; known: {', '.join(CONDITIONS)}")
    amount = _placed(ink, 320, rng)
    paper, pen = WHITE, BLACK
    if condition == "grey_paper":
        paper, pen = np.array([110, 108, 104.0]), np.array([30, 30, 35.0])
    elif condition == "coloured_paper":
        paper, pen = (np.array([250, 225, 120.0]), np.array([20, 40, 140.0])) if rng.random() < 0.5 else \
            (np.array([170, 215, 240.0]), np.array([20, 20, 20.0]))
    elif condition == "coloured_ink":
        pen = np.array([30, 60, 210.0]) if rng.random() < 0.5 else np.array([200, 30, 30.0])
    if condition == "small_in_big_photo":
        return _gray(_sticky_note(ink, rng))
    image = _compose(amount, paper, pen)
    if condition in LIGHT:  # light falling unevenly: a factor on every pixel
        image *= LIGHT[condition](image.shape[:2], rng)[..., None]
    elif condition in MARKS:  # things drawn or printed on the sheet, or the sheet's edge
        image = MARKS[condition](image, amount, rng)
    elif condition == "tilted_sheet":
        image = _tilted_sheet(image, rng)
    image += rng.normal(0, 3, image.shape)
    gray = _gray(image)
    if condition == "blur_noise_jpeg":
        gray = cv2.GaussianBlur(gray, (0, 0), 1.5)
        gray = np.clip(gray + rng.normal(0, 8, gray.shape), 0, 255).astype(np.uint8)
        gray = _jpeg(gray, 30)
    elif condition == "low_resolution":
        box = _ink_box(amount, margin=0.12)
        gray = cv2.resize(gray[box], (16, 16), interpolation=cv2.INTER_AREA)
    elif condition == "cropped_close":  # cut out of a scan to the digit's edges, no paper left round it
        crop = gray[_ink_box(amount, margin=0.0)]
        height = int(rng.integers(16, 121))
        width = max(1, round(crop.shape[1] * height / crop.shape[0]))
        gray = cv2.resize(crop, (width, height), interpolation=cv2.INTER_AREA)
    return gray


def blank_paper(rng: np.random.Generator, size: int = 320) -> np.ndarray:
    """A picture of paper with no digit: uneven light, grain and noise."""
    image = _compose(np.zeros((size, size), np.float32), WHITE, BLACK) * _gradient((size, size), rng)[..., None]
    return _gray(image + rng.normal(0, 3, image.shape))


def several(inks: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Several digits written side by side on white paper, as one picture."""
    parts = [_placed(ink, 240, rng, digit_height=(150, 170)) for ink in inks]
    amount = np.concatenate(parts, axis=1)
    return _gray(_compose(amount, WHITE, BLACK) + rng.normal(0, 3, (*amount.shape, 3)))


# -- pieces ---------------------------------------------------------------------------------
def _placed(ink: np.ndarray, size: int, rng: np.random.Generator, digit_height=(130, 200)) -> np.ndarray:
    """Ink amount in [0, 1] on a size x size sheet: the digit scaled to a random height, off centre."""
    ys, xs = np.nonzero(ink > 8)
    crop = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1].astype(np.float32) / 255
    scale = rng.uniform(*digit_height) / max(crop.shape)
    crop = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))),
                      interpolation=cv2.INTER_LINEAR)
    sheet = np.zeros((size, size), np.float32)
    top = rng.integers(10, max(11, size - crop.shape[0] - 10))
    left = rng.integers(10, max(11, size - crop.shape[1] - 10))
    sheet[top:top + crop.shape[0], left:left + crop.shape[1]] = crop
    return np.clip(sheet, 0, 1)


def _compose(amount: np.ndarray, paper: np.ndarray, pen: np.ndarray) -> np.ndarray:
    return paper * (1 - amount[..., None]) + pen * amount[..., None]


def _gray(image: np.ndarray) -> np.ndarray:
    rgb = np.clip(image, 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(rgb, "RGB").convert("L"))


def _gradient(shape, rng) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] / max(shape)
    ramp = np.cos(angle) * xs + np.sin(angle) * ys
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    return 1.0 - rng.uniform(0.45, 0.6) * ramp


def _shadow(shape, rng) -> np.ndarray:
    """A hand's or phone's shadow: a dark half-plane with a soft edge, crossing the digit."""
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] - np.array(shape)[:, None, None] / 2
    side = np.cos(angle) * xs + np.sin(angle) * ys - rng.uniform(-40, 40)
    dark = (side > 0).astype(np.float32)
    dark = cv2.GaussianBlur(dark, (0, 0), rng.uniform(2, 8))
    return 1.0 - rng.uniform(0.45, 0.6) * dark


def _see_through(shape, rng) -> np.ndarray:
    """Print on the back of the sheet showing through: mirrored lines of text, grey and blurred."""
    back = np.zeros(shape, np.uint8)
    size = rng.uniform(0.7, 1.1)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    for y in range(int(rng.integers(15, 30)), shape[0], int(rng.integers(22, 32))):
        words = " ".join("".join(rng.choice(list(letters), int(rng.integers(2, 8)))) for _ in range(8))
        cv2.putText(back, words, (int(rng.integers(-40, 10)), y), cv2.FONT_HERSHEY_SIMPLEX, size, 255, 2, cv2.LINE_AA)
    back = cv2.GaussianBlur(back[:, ::-1].astype(np.float32), (0, 0), rng.uniform(1.0, 2.0))
    return 1.0 - rng.uniform(0.12, 0.25) * np.clip(back / max(float(back.max()), 1e-6), 0, 1)


def _dark_band(shape, rng) -> np.ndarray:
    """A dark band across the picture (a fold, the book's binding, a scanner's lid): soft-edged, any angle."""
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]] - np.array(shape)[:, None, None] / 2
    across = np.abs(np.cos(angle) * xs + np.sin(angle) * ys - rng.uniform(-80, 80))
    band = (across < rng.uniform(12, 40)).astype(np.float32)
    band = cv2.GaussianBlur(band, (0, 0), rng.uniform(3, 10))
    return 1.0 - rng.uniform(0.35, 0.6) * band


def _ruled(image, amount, rng) -> np.ndarray:
    spacing = int(rng.integers(32, 48))
    for y in range(int(rng.integers(5, spacing)), image.shape[0], spacing):
        cv2.line(image, (0, y), (image.shape[1], y), (120, 170, 220), 2)  # light blue (RGB)
    x = int(rng.integers(20, 50))
    cv2.line(image, (x, 0), (x, image.shape[0]), (230, 120, 120), 2)  # the red margin
    return image


def _specks(image, amount, rng) -> np.ndarray:
    far = cv2.dilate((amount > 0.1).astype(np.uint8), np.ones((61, 61), np.uint8)) == 0
    ys, xs = np.nonzero(far)
    for i in rng.choice(len(ys), size=min(len(ys), int(rng.integers(5, 15))), replace=False):
        cv2.circle(image, (int(xs[i]), int(ys[i])), int(rng.integers(1, 4)), (40, 40, 40), -1, cv2.LINE_AA)
    return image


def _paper_edge(image, amount, rng) -> np.ndarray:
    """The sheet does not fill the photo: a desk shows along one side, beyond a slanted edge."""
    ys, xs = np.nonzero(amount > 0.1)
    side = rng.integers(4)
    limit = [ys.min(), image.shape[0] - ys.max(), xs.min(), image.shape[1] - xs.max()][side]
    depth = rng.uniform(0.3, 0.8) * max(limit - 6, 2)
    rows, columns = np.mgrid[0:image.shape[0], 0:image.shape[1]].astype(np.float32)
    distance = [rows, image.shape[0] - rows, columns, image.shape[1] - columns][side]
    along = [columns, columns, rows, rows][side]
    desk = distance < depth + (along - image.shape[0] / 2) * rng.uniform(-0.05, 0.05)
    image[desk] = np.array([70, 55, 45.0]) * rng.uniform(0.6, 1.2)
    return image


def _printed_box(image, amount, rng) -> np.ndarray:
    """A form's field: a thin printed box around the digit, grey or blue, a little way off the writing."""
    ys, xs = np.nonzero(amount > 0.1)
    pad = int(rng.integers(6, 25))
    colour = (60, 60, 60) if rng.random() < 0.5 else (120, 120, 200)
    cv2.rectangle(image, (int(xs.min()) - pad, int(ys.min()) - pad), (int(xs.max()) + pad, int(ys.max()) + pad),
                  colour, int(rng.integers(1, 3)))
    return image


def _tilted_sheet(image, rng) -> np.ndarray:
    """The sheet photographed at a slant: its corners pulled in or out by up to 12% of its side, the desk
    showing in wedges along the picture's edges wherever the sheet does not reach them."""
    height, width = image.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    moved = corners + rng.uniform(-0.12, 0.12, (4, 2)).astype(np.float32) * np.float32([width, height])
    desk = tuple(float(v) for v in np.array([90, 75, 65.0]) * rng.uniform(0.6, 1.3))
    return cv2.warpPerspective(image, cv2.getPerspectiveTransform(corners, moved), (width, height),
                               flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=desk)


def _sticky_note(ink, rng) -> np.ndarray:
    """A 1600x1200 photo of a desk with a sticky note; the digit on it is ~110 px tall."""
    photo = np.empty((1200, 1600, 3), np.float32)
    photo[:] = np.array([95, 80, 70.0])
    photo += rng.normal(0, 6, photo.shape)
    note = _compose(_placed(ink, 300, rng, digit_height=(90, 130)), np.array([250, 235, 110.0]), BLACK)
    top, left = int(rng.integers(100, 800)), int(rng.integers(100, 1200))
    photo[top:top + 300, left:left + 300] = note
    photo *= _gradient(photo.shape[:2], rng)[..., None]
    return photo + rng.normal(0, 3, photo.shape)


LIGHT = {"gradient": _gradient, "shadow": _shadow, "see_through": _see_through, "dark_band": _dark_band}
MARKS = {"ruled_lines": _ruled, "specks": _specks, "paper_edge": _paper_edge, "printed_box": _printed_box}


def _ink_box(amount, margin):
    ys, xs = np.nonzero(amount > 0.1)
    pad = int(margin * max(np.ptp(ys), np.ptp(xs)))
    return (slice(max(0, ys.min() - pad), ys.max() + pad + 1), slice(max(0, xs.min() - pad), xs.max() + pad + 1))


def _jpeg(gray: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("L"))
