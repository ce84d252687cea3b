"""Pictures as people take them (photos and scans of paper) -> white ink on black for to_mnist.

The paper is not assumed white, even or clean: shadows, lighting gradients, grey or coloured
paper, ruled lines, paper edges and specks are all common. The steps:

1. polarity: the paper is what a large median filter sees (ink is a minority in any window),
   so ink is whichever side of it holds the strong outliers, if they are stroke-thin (a sticky
   note on a dark desk is a bright outlier, but paper: light "strokes" more than four times as wide
   as the dark ones, their runs spanning their extent) and the paper is not plainly light (the border
   mostly light, or, if the border is split, most pixels: the inside of a bold 0 filling a small scan
   looks like light strokes); inside a plainly dark border, light marks that are a minority of the
   picture are ink even with no outliers (strokes as bold as the window), and so are those of a picture
   cut out to them (dark corners, light a minority reaching every side); light ink is inverted to dark;
2. stroke width: the typical run length of a first, coarse ink mask, on its darkest marks
   (relative to the paper) only, so a fold's fainter band is not measured as a stroke;
3. paper: a morphological closing a few stroke widths wide (it erases every stroke but follows
   shadows and edges), and ink as the relative darkness under it, thresholded by Otsu;
4. bands fainter than the writing and wider than its strokes that cross the sheet (a fold, a
   binding, a strip of desk), ruled lines and straight paper edges (long thin runs) are removed;
   ruled lines much fainter than the writing go first (before step 3's "cropped to its writing?"
   is decided: under small writing they are as thin as the strokes), but where strokes cross them;
5. connected ink: the digit is the strongest component plus whatever lies close to it; distant
   specks and frame edges are dropped, and a second digit-sized mark raises SeveralDigitsError.
   For a line of writing (ink_of_marks) every mark but edges and dust is kept instead.
"""
from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from .images import read_gray_and_text

MAX_SIDE = 640  # larger photos are shrunk first: a digit needs far fewer pixels, and it is faster
SAMPLE_ABOVE = 200_000  # pixels: larger images' percentiles are taken on every other row and column
MIN_SIDE = 64  # tiny scans are enlarged first, so the filters have room (to_mnist's box rules still apply)
WINDOW = 0.25  # the paper is the median over this share of the picture's shorter side (polarity)
MIN_CONTRAST = 0.12  # ink must be this much darker than the paper under it (share of the paper's value)
STRONG = 0.7  # strokes are measured on marks at least this dark (share of the darkest's, relative to the paper)
BAND_WIDTH = 0.8  # fainter ink this many stroke widths thick is a band across the paper, not writing,
BAND_SPAN = 0.3  # when it reaches the border and is this long (share of the shorter side)
OTSU_CLEAR = 0.25  # Otsu's ink threshold this far above the paper's median contrast is no split of noise
LINE_SPAN = 0.75  # a straight run this long (share of the picture's side) is a ruled line or an edge
EDGE_SPAN = 0.6  # ink touching the border and this long (share of the side) is a paper edge or frame
BORDER_BAND = 0.15  # the outer share of the picture where a sheet's edge lies
SLAB_SPAN = 0.3  # a flat mark in that band this long (share of the shorter side) is an edge's remnant,
SLAB_FLATNESS = 0.8  # when it is no thicker than this share of the stroke width
BORDER_DECIDES = 0.1  # a border this much more light than dark (or dark than light) tells the paper's side
BOTH_WAYS = 0.8  # light outliers this strong beside the dark ones: bold light strokes, or a sheet on a desk
DARK_BORDER = 0.05  # ...told apart by the border: a canvas's is all dark, a sheet reaches it (7-39% light)
LIGHT_MINORITY = 0.5  # light under this share of a dark-edged picture may be strokes (a sheet is most of it)
LIGHT_STROKES = 4  # light "strokes" up to this many times as wide as the dark ones are ink (a note is wider),
STROKE_EXTENT = 0.3  # and so are wider ones whose runs are this short beside their extent (a note's span it)
HUG_SHARE = 0.5  # ink lying along the border for this share of its longer side is a desk's wedge or an edge
MARK_AREA = 80  # pixels: a mark smaller than this is no writing to measure strokes on
MARK_SHARE = 0.1  # ... nor one under this share of the largest mark
FRAME_SPAN = 0.15  # straight runs this long (share of the shorter side) make a printed box's sides;
FRAME_STRAIGHT = 0.7  # a mark this much made of them, with ink inside it, is a box, not writing
THIN_LINE = 6  # a ruled line is at most this many pixels thick (at the working size)
FAINT_LINE = 0.6  # a long line whose median contrast is under this share of the writing's is a ruled line
LINE_ELONGATION = 60  # length / thickness of a straight line, far beyond any digit's
NEAR = 0.3  # ink this close to the digit (share of its size) belongs to it
SPECK = 0.05  # a component with less than this share of the digit's ink is a speck unless it touches
SECOND_DIGIT = 0.3  # a distant mark with this share of the digit's ink, and as tall, is another digit
EDGE_RIM_SHARE = 0.8  # border-touching ink lying this much along removed long lines is an edge's rim
TIGHT_REACH = 1.0  # ink within this many stroke widths of all four borders (or within this share of the side:
TIGHT_MARGIN = 0.08  # a scan's soft rims fall under the ink threshold): the picture is cropped to the writing,
TIGHT_BORDER = 0.5  # unless ink covers this share of the border (a desk around a sheet, not strokes),
TIGHT_NARROW = 3  # or the picture is at most this many stroke widths across (a 1 fills its border)
RIM = 3  # pixels: strokes cut off by the border reach it, less their soft rim
MARK_DUST = 0.01  # in a line of writing, a mark with less than this share of the largest mark's ink is dust


class PictureError(ValueError):
    """A picture that cannot be read as one digit."""


class SeveralDigitsError(PictureError):
    """The picture holds more than one digit-sized mark."""


def read_file(path, key: str | None = None) -> tuple[np.ndarray, str | None]:
    """A picture file to read here, and the PNG text chunk named `key` (images.read_gray_and_text): a large
    JPEG is decoded at a fraction of its size, never below MAX_SIDE, to which the reading shrinks it anyway."""
    return read_gray_and_text(path, key, at_least=MAX_SIDE)


def ink_from_picture(gray: np.ndarray) -> np.ndarray:
    """A photo or scan of one digit (uint8 grey, either polarity) -> white ink on black.

    Blank or flat pictures give an all-black image; raises SeveralDigitsError for several digits.
    The result may be resized (large photos shrunk, tiny scans enlarged); to_mnist does not mind.
    """
    return _picture_ink(gray, _digit_components)


def ink_of_marks(gray: np.ndarray) -> np.ndarray:
    """A photo or scan of a line of writing (a number) -> white ink on black, every mark kept.

    The same paper and ink estimate as ink_from_picture; only ruled lines, paper edges and dust
    are dropped, so several digits and a small decimal point survive. May be resized likewise.
    """
    return _picture_ink(gray, _mark_components)


def _picture_ink(gray: np.ndarray, select: Callable[[np.ndarray, np.ndarray, bool], np.ndarray]) -> np.ndarray:
    """Polarity, paper and ink of a picture; `select` picks the kept ink from the mask and contrast (and
    whether ink touching the border may be a paper edge)."""
    gray = np.asarray(gray)
    if gray.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {gray.shape}")
    gray = _working_size(gray.astype(np.uint8) if gray.dtype != np.uint8 else gray)
    if int(gray.max()) - int(gray.min()) < 16:
        return np.zeros(gray.shape, np.uint8)
    threshold = _otsu(gray)  # Otsu's split of the grey levels, for the border's and the picture's light share
    dark_border = _light_border_share(gray, threshold) <= DARK_BORDER
    paper_is_light = _paper_is_light(gray, threshold)
    # Bright outliers are ink only when they are stroke-thin (a sticky note on a desk is paper) and
    # the paper is not plainly light (the inside of a bold 0 filling a small scan is paper). Their test,
    # a median filter a quarter of the picture wide, is the reading's costliest step: it is run only where
    # its answer counts, inside a plainly dark border or on paper not plainly light (dark ink on light
    # paper, the usual photo, needs none of it).
    light_ink = _light_ink(gray) if dark_border or not paper_is_light else False
    if _light_strokes_on_a_canvas(gray, threshold, dark_border, light_ink):
        light = 255 - gray
        return _read_ink(light, select, _stroke_width(light))
    if light_ink and not paper_is_light:
        light = 255 - gray
        light_marks = _writing_marks(light)
        light_width, dark_width = _median_run(light_marks), _stroke_width(gray)
        if light_width <= LIGHT_STROKES * dark_width or _stroke_like(light_marks, light_width):
            return _read_ink(light, select, light_width)
        return _read_ink(gray, select, dark_width)
    return _read_ink(gray, select, _stroke_width(gray))


def _light_strokes_on_a_canvas(gray: np.ndarray, threshold: float, dark_border: bool, light_ink: bool | None) -> bool:
    """Whether the light marks (above `threshold`) are strokes on a dark canvas, whatever the outliers say
    (`light_ink`, asked for only inside a plainly dark border: `dark_border`, at most DARK_BORDER of it light)."""
    light = gray > threshold
    if dark_border and (light_ink is None or _reaches_every_side(light, margin=0, pixels=RIM)):
        # Outliers both ways inside a plainly dark border: bold strokes on a canvas (a sheet on a desk
        # shows light outliers alone, or reaches the border). The canvas between them is no stroke to
        # measure: it is narrow only in the strokes' bends. And light marks touching a plainly dark
        # border on every side: a canvas cut out to its white strokes, however bold (a note or a sheet
        # on a desk lies inside the picture, with desk all round it, or covers more of its border).
        return True
    # Light a minority, and either no light outliers inside a plainly dark border (strokes as bold as the
    # median's window, which it took for paper: a bold 0 filling a small canvas) or reaching every side
    # from dark corners (a canvas cut out to bold strokes that cover more of its border; a stroke's end is
    # round). Then the light is ink if a median window twice as wide, which sees the canvas, finds light
    # outliers: a sheet on a desk is most of the picture, and a flash's dark corners leave a light disc
    # with the dark ink in it.
    if float((_sample(gray) > threshold).mean()) >= LIGHT_MINORITY:
        return False
    if not (dark_border and light_ink is False or _dark_corners(light) and _reaches_every_side(light)):
        return False
    return _light_ink(gray, window=2 * WINDOW) is not False


def _light_ink(gray: np.ndarray, window: float = WINDOW) -> bool | None:
    """Whether the ink is lighter than the paper (a screen, a board, a white-on-black export); None
    when both sides hold strong outliers (bold strokes as wide as the window, or a sheet on a desk).
    The paper is the median over a `window` share of the picture's shorter side."""
    # A median window wider than strokes is paper whatever the polarity, and keeps shadow edges;
    # ink is whichever side of it holds the strong outliers.
    paper = cv2.medianBlur(gray, min(_odd(min(gray.shape) * window), 255))
    residual = gray.astype(np.int16) - paper
    lighter, darker = _integer_percentiles(_sample(residual), [99.5, 0.5], -255) * [1, -1]
    if lighter > max(darker, 24):  # noise alone is no light ink: blank paper stays paper
        return True
    return None if darker > 24 and lighter >= BOTH_WAYS * darker else False


def _dark_corners(light: np.ndarray) -> bool:
    """Whether all four corners of the picture are mostly dark (RIM x RIM pixels each)."""
    corners = (light[:RIM, :RIM], light[:RIM, -RIM:], light[-RIM:, :RIM], light[-RIM:, -RIM:])
    return all(corner.mean() < 0.5 for corner in corners)


def _stroke_like(marks: np.ndarray, width: float) -> bool:
    """Whether marks with runs this wide are strokes: their runs are short beside their extent. A note or
    a sheet on a desk is a filled shape, its runs spanning most of it (at least 0.36 of its longer side in
    rendered photos); a white digit on a dark canvas is strokes (at most 0.23 in MNIST's test digits)."""
    _, _, width_px, height_px = cv2.boundingRect(marks.astype(np.uint8))
    return width <= STROKE_EXTENT * max(width_px, height_px)


def _paper_is_light(gray: np.ndarray, threshold: float) -> bool:
    """Whether the paper is light: the border lies mostly on the light side of `threshold` (Otsu's split),
    or, where the border is split about evenly, most pixels do. The border first: a white digit on a dark
    canvas cropped close can have more white pixels than dark ones, and its border is still the canvas."""
    light_border = _light_border_share(gray, threshold)
    if abs(light_border - 0.5) >= BORDER_DECIDES:
        return light_border > 0.5
    return bool((_sample(gray) > threshold).mean() > 0.5)


def _otsu(gray: np.ndarray) -> float:
    """Otsu's split of a picture's grey levels (of a sample of a large one)."""
    threshold, _ = cv2.threshold(np.ascontiguousarray(_sample(gray)), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return threshold


def _light_border_share(gray: np.ndarray, threshold: float) -> float:
    """The share of the picture's outermost pixels above `threshold` (Otsu's split: _otsu)."""
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float((border > threshold).mean())


def _read_ink(dark_ink: np.ndarray, select: Callable[[np.ndarray, np.ndarray, bool], np.ndarray],
              stroke_width: float) -> np.ndarray:
    """White-on-black ink from a picture of dark ink with strokes this wide: the strokes `select` keeps, with their rims."""
    nothing = np.zeros(dark_ink.shape, np.uint8)
    contrast = _contrast(dark_ink, stroke_width)
    mask, tight = _ink_mask(contrast, stroke_width)
    if not mask.any():
        return nothing
    if not tight:  # in a picture cropped to its writing, what touches the border is strokes, not edges or boxes
        mask &= ~_faint_bands(mask, contrast, stroke_width)
        mask &= ~_frames(mask)  # before the long lines go: a box's side may be one, and the rest no box
        lines = _long_lines(mask)
        faint = _faint_lines(mask, contrast, lines)  # where strokes cross a ruled line, they stay whole
        if faint.any():
            mask &= ~faint
            lines = _long_lines(mask)
        mask &= ~lines
        mask &= ~_edge_remnants(mask, lines, stroke_width)
        mask &= ~_edge_slabs(mask, stroke_width)
    kept = select(mask, contrast, not tight)
    if not kept.any():
        return nothing
    # Keep the anti-aliased rim of the kept strokes, nothing else.
    rim = cv2.dilate(kept.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    ink = np.where(rim & (contrast >= MIN_CONTRAST / 2), contrast, 0)
    peak = np.percentile(ink[kept], 95)
    return np.clip(ink * (255.0 / max(peak, 1e-6)), 0, 255).astype(np.uint8)


def _cropped_to_ink(mask: np.ndarray, stroke_width: float) -> bool:
    """Whether the picture is cropped to its writing, with no margin of paper: a cut-out of a scan or a
    canvas. Its strokes run to all four borders, where a photo's border holds paper or, where ink reaches
    it, a desk or an edge: marks lying wholly in the picture's outer band, or covering its border."""
    if not _reaches_every_side(mask, stroke_width):
        return False
    if min(mask.shape) <= TIGHT_NARROW * stroke_width:  # a stroke or two wide: a 1, which fills its border
        return True
    border = np.concatenate([mask[0], mask[-1], mask[1:-1, 0], mask[1:-1, -1]])
    if border.mean() > TIGHT_BORDER:
        return False
    count, labels, stats, _ = connected_components(mask)
    height, width = mask.shape
    left, top, w, h = (stats[1:, i] for i in range(4))
    in_band = ((top >= (1 - BORDER_BAND) * height) | (top + h <= BORDER_BAND * height)
               | (left >= (1 - BORDER_BAND) * width) | (left + w <= BORDER_BAND * width))
    # A piece of a stroke, broken off by the threshold, may lie in the band too; it lies beside the rest.
    writing = _labelled(labels, count, np.nonzero(~in_band)[0] + 1)
    beside = cv2.dilate(writing.astype(np.uint8), np.ones((_odd(2 * TIGHT_REACH * stroke_width + 1),) * 2, np.uint8))
    pieces = np.bincount(labels[beside.astype(bool)], minlength=count)[1:] > 0
    return _reaches_every_side(_labelled(labels, count, np.nonzero(~in_band | pieces)[0] + 1), stroke_width)


def _reaches_every_side(ink: np.ndarray, stroke_width: float = 0.0, margin: float = TIGHT_MARGIN, pixels: int = 1) -> bool:
    """Whether ink comes within a stroke width, `margin` of the side or `pixels` of all four borders."""
    rows, columns = (max(pixels, int(TIGHT_REACH * stroke_width), int(margin * side)) for side in ink.shape)
    return all(side.any() for side in (ink[:rows], ink[-rows:], ink[:, :columns], ink[:, -columns:]))


def _working_size(gray: np.ndarray) -> np.ndarray:
    height, width = gray.shape
    if max(height, width) > MAX_SIDE:
        scale = MAX_SIDE / max(height, width)
        return cv2.resize(gray, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    if min(height, width) < MIN_SIDE:
        factor = -(-MIN_SIDE // max(1, min(height, width)))
        if max(height, width) * factor <= MAX_SIDE:
            return cv2.resize(gray, (width * factor, height * factor), interpolation=cv2.INTER_CUBIC)
    return gray


def _sample(image: np.ndarray) -> np.ndarray:
    """Every other row and column of a large image: its percentiles, at a quarter of the cost."""
    return image[::2, ::2] if image.size > SAMPLE_ABOVE else image


def _integer_percentiles(values: np.ndarray, percents: list[float], low: int) -> np.ndarray:
    """np.percentile(values, percents), its default linear method, for integers from `low` up: the same
    numbers, computed as NumPy does from the two order statistics around each, read off a histogram
    instead of a partial sort (a picture's grey levels: a sort of 300,000 values for one number)."""
    flat = values.ravel()
    cumulative = np.cumsum(np.bincount((flat.astype(np.int64) - low)))
    virtual = (flat.size - 1) * (np.asarray(percents, np.float64) / 100)
    previous = np.floor(virtual)
    below = np.minimum(previous, flat.size - 1).astype(np.int64)
    above = np.minimum(previous + 1, flat.size - 1).astype(np.int64)
    a = np.searchsorted(cumulative, below, side="right").astype(np.int64) + low
    b = np.searchsorted(cumulative, above, side="right").astype(np.int64) + low
    gamma = virtual - previous
    # NumPy's _lerp: from the lower value under one half, back from the upper one from one half on
    return np.where(gamma >= 0.5, b - (b - a) * (1 - gamma), a + (b - a) * gamma)


def connected_components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats of a mask, 8-connected: count, labels, stats, centroids. By the
    BBDT algorithm, which gives the same labels and stats as OpenCV's default (Spaghetti; checked on the
    1,077 masks of 200 test pictures) at 2.6 times its speed in this OpenCV build: labelling was the
    largest single cost of reading a picture."""
    return cv2.connectedComponentsWithStatsWithAlgorithm(np.asarray(mask, np.uint8), 8, cv2.CV_32S, cv2.CCL_BBDT)


def _odd(value: float) -> int:
    return max(3, int(value) // 2 * 2 + 1)


def _stroke_width(dark_ink: np.ndarray) -> float:
    """Typical stroke width in pixels: the median length of ink runs across rows and columns."""
    return _median_run(_writing_marks(dark_ink))


def _median_run(mask: np.ndarray) -> float:
    """The median length of a mask's runs across rows and columns (3 when it is empty)."""
    runs = np.concatenate([_run_lengths(mask), _run_lengths(mask.T)])
    return float(np.median(runs)) if runs.size else 3.0


def _writing_marks(dark_ink: np.ndarray) -> np.ndarray:
    """A first, coarse mask of the writing's strokes, to measure them on: the darkest marks relative to
    the paper, less ruled lines, printed boxes, a desk and its grain."""
    # Half the shorter side: a bold digit's filled-in loop (a 9 drawn with a marker, cropped to it) is up to
    # ~40% of it, and a window too small to close it measured its rims (12-30 px for ~55 px strokes).
    size = _odd(min(dark_ink.shape) / 2)
    coarse = cv2.morphologyEx(dark_ink, cv2.MORPH_BLACKHAT, np.ones((size, size), np.uint8))
    _, mask = cv2.threshold(coarse, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    marked = np.flatnonzero(mask)
    if marked.size:  # the writing is the darkest of the marks, relative to the paper under them: no fold's band
        marks = coarse.ravel()[marked]  # (computed on the marks alone: the rest of the mask stays 0 anyway)
        relative = marks / np.maximum(marks.astype(np.float32) + dark_ink.ravel()[marked], 16.0)
        mask.ravel()[marked[relative < STRONG * np.percentile(relative, 95)]] = 0
    mask[_thin_lines(mask) | _frames(mask)] = 0  # ruled lines and printed boxes are no writing: not counted
    return _marks_to_measure(mask)  # a desk around a note or beyond the sheet is no stroke either, nor its grain


def _touch_border(boxes: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Which (x, y, width, height) boxes reach the edge of a picture of this (height, width)."""
    height, width = shape
    return ((boxes[:, 0] == 0) | (boxes[:, 1] == 0)
            | (boxes[:, 0] + boxes[:, 2] >= width) | (boxes[:, 1] + boxes[:, 3] >= height))


def _marks_to_measure(mask: np.ndarray) -> np.ndarray:
    """The marks of a mask to measure strokes on: those not touching the picture's border (a desk
    around a note or beyond the sheet is no stroke), unless none of them is more than a speck (then the
    writing runs off the picture); of these, the ones at least a tenth the size of the largest (a desk
    or shadow only just as dark as the writing passes in scattered specks, whose runs are noise)."""
    count, labels, stats, _ = connected_components(mask)
    if count <= 1:
        return mask
    area = stats[1:, cv2.CC_STAT_AREA]
    candidates = ~_touch_border(stats[1:, :4], mask.shape)
    if not candidates.any() or area[candidates].max() < MARK_AREA:
        candidates = np.ones(count - 1, bool)
    kept = np.nonzero(candidates & (area >= MARK_SHARE * area[candidates].max()))[0] + 1
    if len(kept) == count - 1:  # every mark (the mask holds 0 and 1: _writing_marks'), as in most pictures
        return mask
    return _labelled(labels, count, kept).astype(mask.dtype)


def _thin_lines(mask: np.ndarray, thinner_than: float = THIN_LINE + 1, outside_is_paper: bool = False) -> np.ndarray:
    """Long straight runs that are thin across (under `thinner_than` pixels): ruled lines, not a strip
    of desk or a thick stroke. A line along the border is thin only when the outside is taken for paper."""
    binary = mask.astype(np.uint8)
    thin = np.zeros(mask.shape, bool)
    size = max(2, int(np.ceil(thinner_than)))
    border = {"borderType": cv2.BORDER_CONSTANT, "borderValue": 0} if outside_is_paper else {}
    for axis, across in ((1, (size, 1)), (0, (1, size))):
        lines = _straight_runs(binary, max(3, int(LINE_SPAN * mask.shape[axis])), axis)
        if lines is not None:
            # Thin where the ink itself is thin across, not only the straight part of it: a digit's long,
            # slightly curved stem, cropped close, holds a straight band narrower than the stroke.
            thick = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones(across, np.uint8), **border)
            thin |= (lines > thick)
    return thin


def _straight_runs(binary: np.ndarray, length: int, axis: int) -> np.ndarray | None:
    """Ink in straight runs at least `length` long along rows (axis 1) or columns (axis 0): the mask
    opened by a line of that length; None when it is empty for sure. OpenCV's erosion counts the
    outside as ink, so a run reaching the border survives from half that length: where no row (or
    column) holds that much ink, the opening, the costly part, is not needed."""
    if not binary.any() or int(np.count_nonzero(binary, axis=axis).max()) <= (length - 1) // 2:
        return None
    kernel = np.ones((1, length) if axis == 1 else (length, 1), np.uint8)
    return cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    height, width = mask.shape
    padded = np.zeros((height, width + 2), bool)
    padded[:, 1:-1] = mask
    # Row by row, each run starts and then ends in the same row of the padded changes: in flat index
    # order they alternate, and an end less its start is the run's length.
    edges = np.flatnonzero(padded[:, 1:] != padded[:, :-1])
    return edges[1::2] - edges[::2]


def _contrast(dark_ink: np.ndarray, stroke_width: float) -> np.ndarray:
    """Relative darkness under the local paper, 0 (paper) .. 1 (black), as float32."""
    size = _odd(3 * stroke_width + 3)
    if stroke_width >= 3:  # grain and sensor noise, which the closing's maximum would turn into ink
        dark_ink = cv2.medianBlur(dark_ink, 3)
    closed = cv2.morphologyEx(dark_ink, cv2.MORPH_CLOSE, np.ones((size, size), np.uint8))
    paper = closed.astype(np.float32)
    # Dividing by the paper's value evens out shadows; the floor keeps a dark desk from being amplified.
    floor = max(0.4 * float(_integer_percentiles(_sample(closed), [95], 0)[0]), 16.0)
    relative = (paper - dark_ink) / np.maximum(paper, np.float32(floor))  # float32 throughout
    return np.clip(relative, 0, 1, out=relative)


def _ink_mask(contrast: np.ndarray, stroke_width: float) -> tuple[np.ndarray, bool]:
    """Where the ink is, and whether the picture is cropped to it (see _cropped_to_ink)."""
    scaled = (contrast * 255).astype(np.uint8)
    otsu, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    split = contrast >= max(otsu / 255, MIN_CONTRAST)
    # Faint ruled lines reach the sides as a cut-out's strokes do; under small writing they are as thin.
    split &= ~_faint_lines(split, contrast, _long_lines(split))
    if _cropped_to_ink(split, stroke_width):
        # Ruled lines cross the paper to its borders too, thinner than the writing's strokes; and so do
        # bands (a fold, a shadow), fainter than the writing.
        strokes = split & ~_thin_lines(split, thinner_than=stroke_width / 2, outside_is_paper=True)
        if _cropped_to_ink(strokes, stroke_width):
            strokes &= ~_faint_bands(strokes, contrast, stroke_width)
            if _cropped_to_ink(strokes, stroke_width):  # a cut-out of a scan or canvas, up to half ink: Otsu splits it
                return strokes, True
    # A small digit in a large noisy photo is too few pixels for Otsu, which then splits the noise:
    # stay above the noise too. A threshold far above the paper's level split paper from ink, and the
    # spread is no noise then (a bold digit filling a small scan is half ink, with blurred rims).
    sample = _sample(contrast)
    if not _median_may_exceed(sample, otsu / 255 - OTSU_CLEAR):  # Otsu's threshold is clear of it: no noise split
        return contrast >= max(otsu / 255, MIN_CONTRAST), False
    centre = float(np.median(sample))
    split_noise = otsu / 255 < centre + OTSU_CLEAR
    noise = centre + 6 * 1.4826 * float(np.median(np.abs(sample - centre))) if split_noise else 0.0
    return contrast >= max(otsu / 255, noise, MIN_CONTRAST), False


def _median_may_exceed(values: np.ndarray, limit: float) -> bool:
    """False when np.median(values) (float32) is surely below `limit`: fewer than half the values lie above a
    float32 a few steps under it. A count instead of a partial sort of the whole picture; True decides nothing."""
    under = np.float32(limit)
    for _ in range(4):  # below `limit` whatever the rounding of the float32 median and of the sums it enters
        under = np.nextafter(under, np.float32(-np.inf))
    # Both middle values (or the middle one) are at most `under` when fewer than half of all lie above it.
    return np.count_nonzero(values > under) >= values.size - values.size // 2


def _faint_lines(mask: np.ndarray, contrast: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Of the mask's long straight lines (`lines`, see _long_lines), those much fainter than the writing
    (ruled lines), but where a stroke crosses them: there the line is either as dark as the writing, or
    printed over it with writing on both sides. A digit's own straight stroke is as dark as the rest of it."""
    rest = mask & ~lines
    if not lines.any() or not rest.any():
        return np.zeros(mask.shape, bool)
    limit = FAINT_LINE * float(np.percentile(contrast[rest], 90))  # of the writing's contrast
    count, labels, _, _ = connected_components(lines)
    faint = [label for label in range(1, count) if np.median(contrast[labels == label]) < limit]
    ruled = _labelled(labels, count, faint) & (contrast < limit)
    ruled |= _fillets(mask & ~lines & (contrast < limit), ruled)
    unruled = (mask & ~ruled).astype(np.uint8)
    crossed = np.zeros(mask.shape, bool)
    for across in ((THIN_LINE + 2, 1), (1, THIN_LINE + 2)):
        crossed |= cv2.morphologyEx(unruled, cv2.MORPH_CLOSE, np.ones(across, np.uint8)).astype(bool)
    return ruled & ~crossed


def _faint_bands(mask: np.ndarray, contrast: np.ndarray, stroke_width: float) -> np.ndarray:
    """Ink-mask pixels of a band fainter than the writing and wider than its strokes: a fold, a book's
    binding or a narrow shadow, which the paper estimate's window was too wide to follow. The writing's
    own fainter pixels are its rims, thinner than a stroke; ink crossing the band is darker and stays."""
    if not mask.any():
        return np.zeros(mask.shape, bool)
    scaled = (contrast * 255).astype(np.uint8)
    split, _ = cv2.threshold(scaled[mask], 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    faint = (mask & (scaled < split)).astype(np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_odd(BAND_WIDTH * stroke_width),) * 2)
    wide = cv2.morphologyEx(faint, cv2.MORPH_OPEN, disc)
    if not wide.any():
        return np.zeros(mask.shape, bool)
    # A band crosses the sheet: it reaches the border and spans much of the picture. The writing that
    # crosses it cuts it in pieces, which are joined again by its faint slivers between the strokes and
    # across a stroke's width or two.
    bridge = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (_odd(2 * stroke_width),) * 2)
    joined = cv2.dilate(faint, np.ones((3, 3), np.uint8)) | cv2.dilate(wide, bridge)
    count, labels, _, _ = connected_components(joined)
    pieces = np.where(wide > 0, labels, 0)  # a joined band's extent is that of its own pixels, not of the bridges
    boxes = np.array([cv2.boundingRect((pieces == label).astype(np.uint8)) for label in range(1, count)]).reshape(-1, 4)
    crossing = _touch_border(boxes, mask.shape) & (boxes[:, 2:].max(axis=1) >= BAND_SPAN * min(mask.shape))
    crossing &= boxes[:, 2] > 0  # a joined piece of faint slivers only, with no band in it, is no band
    if not crossing.any():
        return np.zeros(mask.shape, bool)
    bands = _labelled(pieces, count, np.nonzero(crossing)[0] + 1).astype(np.uint8)
    return (cv2.dilate(bands, disc) & faint).astype(bool)  # with the band's edges


def _fillets(faint: np.ndarray, ruled: np.ndarray) -> np.ndarray:
    """The `faint` pixels round a crossing of two `ruled` lines, one along the rows and one down the columns
    (a margin line over the ruling): they are no straight run, and left alone they stay as a column of dots
    that read as points."""
    near = []
    for axis in (1, 0):
        runs = _straight_runs(ruled.astype(np.uint8), max(3, int(LINE_SPAN * ruled.shape[axis])), axis)
        if runs is None:
            return np.zeros(ruled.shape, bool)
        near.append(cv2.dilate(runs, np.ones((3, 3), np.uint8)).astype(bool))
    return faint & near[0] & near[1]


def _long_lines(mask: np.ndarray) -> np.ndarray:
    """Horizontal and vertical runs spanning most of the picture: ruled lines and paper edges. Not a bold
    stroke's straight stem (a 1 written with a marker): thicker across than a ruled line, in ink clear of
    the picture's border (a desk beyond a paper edge reaches it)."""
    binary = mask.astype(np.uint8)
    lines = np.zeros(mask.shape, bool)
    inside = None
    for axis, across in ((1, (THIN_LINE + 1, 1)), (0, (1, THIN_LINE + 1))):
        runs = _straight_runs(binary, max(3, int(LINE_SPAN * mask.shape[axis])), axis)
        if runs is None:
            continue
        runs = runs.astype(bool)
        thick = runs & cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones(across, np.uint8)).astype(bool)
        if thick.any():  # ruled lines are thin: only a stroke or a desk needs its ink's extent looked at
            if inside is None:
                count, labels, stats, _ = connected_components(mask)
                inside = _labelled(labels, count, np.nonzero(~_touch_border(stats[1:, :4], mask.shape))[0] + 1)
            runs &= ~(thick & inside)
        lines |= runs
    return lines


def _edge_slabs(mask: np.ndarray, stroke_width: float) -> np.ndarray:
    """What is left of a strip of desk along the sheet's edge: a long mark flatter than the writing's
    strokes, lying wholly in the picture's outer band."""
    count, labels, stats, _ = connected_components(mask)
    if count <= 1:
        return np.zeros(mask.shape, bool)
    height, width = mask.shape
    left, top, w, h = (stats[1:, i].astype(np.float64) for i in range(4))
    in_band = ((top >= (1 - BORDER_BAND) * height) | (top + h <= BORDER_BAND * height)
               | (left >= (1 - BORDER_BAND) * width) | (left + w <= BORDER_BAND * width))
    flat = (np.maximum(w, h) >= SLAB_SPAN * min(height, width)) & (np.minimum(w, h) <= SLAB_FLATNESS * stroke_width)
    found = np.zeros(mask.shape, bool)
    reach = np.ones((2 * THIN_LINE + 1,) * 2, np.uint8)
    for label in np.nonzero(in_band & flat)[0] + 1:
        own = labels == label
        # a piece of a stroke that a ruled line cut off lies right beside the rest of the stroke
        if not (cv2.dilate(own.astype(np.uint8), reach).astype(bool) & mask & ~own).any():
            found |= own
    return found


def _frames(mask: np.ndarray) -> np.ndarray:
    """Printed boxes around the writing (a form's field): marks with ink inside them made mostly of
    straight horizontal and vertical runs. A box the writing touches stays; its sides merge with the
    strokes they touch."""
    count, labels, stats, _ = connected_components(mask)
    found = np.zeros(mask.shape, bool)
    if count <= 2:  # a box needs something inside it
        return found
    area = stats[1:, cv2.CC_STAT_AREA]
    left, top, width, height = (stats[1:, i] for i in range(4))
    span = max(3, int(FRAME_SPAN * min(mask.shape)))
    for index in np.nonzero((width >= span) & (height >= span))[0]:  # a box's sides are such runs
        inside = ((left > left[index]) & (top > top[index]) & (left + width < left[index] + width[index])
                  & (top + height < top[index] + height[index]))
        if not (area[inside] >= MARK_SHARE * area[index]).any():  # nothing but specks in it, if anything
            continue
        box = (slice(top[index], top[index] + height[index]), slice(left[index], left[index] + width[index]))
        own = (labels[box] == index + 1).astype(np.uint8)
        straight = (cv2.morphologyEx(own, cv2.MORPH_OPEN, np.ones((1, span), np.uint8))
                    | cv2.morphologyEx(own, cv2.MORPH_OPEN, np.ones((span, 1), np.uint8)))
        if np.count_nonzero(straight) >= FRAME_STRAIGHT * area[index]:
            found[box] |= own.astype(bool)
    return found


def _edge_remnants(mask: np.ndarray, lines: np.ndarray, stroke_width: float) -> np.ndarray:
    """Border-touching ink left along removed long lines: a strip of desk beyond a slanted sheet edge
    loses its straight runs to _long_lines but leaves its ragged rim, which must not join the digit."""
    if not lines.any():
        return np.zeros(mask.shape, bool)
    count, labels, stats, _ = connected_components(mask)
    if count <= 1:
        return np.zeros(mask.shape, bool)
    near = cv2.dilate(lines.astype(np.uint8), np.ones((_odd(2 * stroke_width),) * 2, np.uint8)).astype(bool)
    touches = _touch_border(stats[1:, :4], mask.shape)
    along = np.bincount(labels[near & mask], minlength=count)[1:] / np.maximum(stats[1:, cv2.CC_STAT_AREA], 1)
    rims = np.nonzero(touches & (along >= EDGE_RIM_SHARE))[0] + 1
    return _labelled(labels, count, rims)


def _components(mask: np.ndarray, contrast: np.ndarray, tall_edges: bool = True, border_edges: bool = True
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Connected ink: labels, each component's mass and (x, y, width, height) box, and which are edges.

    With tall_edges off, ink touching the border is an edge only when it spans the picture's width:
    in a tightly cropped line of writing a digit may touch the top or bottom and span the height.
    With border_edges off (a picture cropped to its writing), only long thin lines are edges.
    """
    # Components of the mask grown by a pixel: a dashed paper edge or a broken stroke holds together.
    grown = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    count, labels, stats, _ = connected_components(grown)
    ink = grown.astype(bool)  # the background's label 0, left out: the same sums, at a fraction of the cost
    mass = np.bincount(labels[ink], weights=contrast[ink], minlength=count)[1:]
    boxes = stats[1:, :4].astype(np.float64)
    height, width = mask.shape
    touches = _touch_border(boxes, mask.shape)
    long_side = boxes[:, 2:].max(axis=1) if count > 1 else np.zeros(0)
    thin_line = long_side**2 / stats[1:, cv2.CC_STAT_AREA] > LINE_ELONGATION
    spans = (boxes[:, 2] >= EDGE_SPAN * width) | tall_edges & (boxes[:, 3] >= EDGE_SPAN * height)
    # A wedge of desk beyond a slanted sheet edge lies along the border; a stroke only crosses it.
    along = np.max([np.bincount(side, minlength=count)[1:] for side in (labels[0], labels[-1], labels[:, 0], labels[:, -1])],
                   axis=0)
    hugs = along >= HUG_SHARE * long_side
    return labels, mass, boxes, thin_line | (touches & spans | hugs) & border_edges


def _mark_components(mask: np.ndarray, contrast: np.ndarray, border_edges: bool = True) -> np.ndarray:
    """Every mark but frame edges and dust: the ink of a line of writing."""
    labels, mass, _, edge = _components(mask, contrast, tall_edges=False, border_edges=border_edges)
    if not len(mass):
        return np.zeros(mask.shape, bool)
    inside = ~edge if (~edge).any() else np.ones(len(mass), bool)
    kept = np.nonzero(inside & (mass >= MARK_DUST * mass[inside].max()))[0]
    return mask & _labelled(labels, len(mass) + 1, kept + 1)


def _digit_components(mask: np.ndarray, contrast: np.ndarray, border_edges: bool = True) -> np.ndarray:
    """The digit's connected ink: the strongest component and those near it."""
    labels, mass, boxes, edge = _components(mask, contrast, border_edges=border_edges)
    if not len(mass):
        return np.zeros(mask.shape, bool)
    inside = ~edge & (mass >= SPECK * mass.max())
    # A frame, a paper edge or a note's edge is no digit when there is other ink to read.
    candidates = np.nonzero(inside)[0] if inside.any() else np.arange(len(mass))
    main = candidates[np.argmax(mass[candidates])]
    kept = {int(main)}
    box = boxes[main].copy()
    changed = True
    while changed:
        changed = False
        for index in np.argsort(-mass):
            if int(index) in kept or edge[index] and inside.any():
                continue
            # Faint specks join only when they touch the digit; real pieces of it may lie further off.
            near = NEAR if mass[index] >= SPECK * mass[main] else SPECK
            if _gap(box, boxes[index]) <= near * max(box[2], box[3]):
                kept.add(int(index))
                box = _union(box, boxes[index])
                changed = True
    for index in range(len(mass)):
        if (index not in kept and not edge[index] and mass[index] >= SECOND_DIGIT * mass[main]
                and boxes[index, 3] >= 0.5 * box[3]):
            raise SeveralDigitsError("the picture holds several digits or marks: crop it to one digit")
    return mask & _labelled(labels, len(mass) + 1, [k + 1 for k in kept])


def _labelled(labels: np.ndarray, count: int, kept) -> np.ndarray:
    """Where `labels` (0 .. count - 1) is one of `kept`: np.isin's answer, by a lookup table."""
    table = np.zeros(count, bool)
    table[np.asarray(kept, np.intp)] = True
    return np.take(table, labels)  # the same as table[labels], at 2-3 times its speed


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two (x, y, width, height) boxes; 0 when they overlap."""
    dx = max(a[0] - (b[0] + b[2]), b[0] - (a[0] + a[2]), 0.0)
    dy = max(a[1] - (b[1] + b[3]), b[1] - (a[1] + a[3]), 0.0)
    return float(np.hypot(dx, dy))


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    left, top = min(a[0], b[0]), min(a[1], b[1])
    right, bottom = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return np.array([left, top, right - left, bottom - top])
