"""Write the picture files `mnist-pad predict` is timed on (`make bench`, its command-line section).

    python -m training.timing_pictures OUT_FOLDER [--count 700] [--seed 0] [--data-dir ../shared/data]

`count` files, the conditions of training.pictures in turn (700: 41 or 42 of each), each a digit of a
held-out pen writer or of the MNIST test set, as training.evaluate_pictures renders them. They are
saved as people's files come: the two photo-sized conditions as phone JPEGs (the slanted sheet
photographed whole, 2016x1512; the sticky note on a desk, 1600x1200), the rest as PNG. The same seed
gives the same pictures. The issues' sealed 700 pictures are other files; these stand in for them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from mnist_pad import paths, pendigits

from . import pictures
from .evaluate_pictures import digit_inks

PHOTO_SIZE = (2016, 1512)  # a 3 MP phone photo, landscape
JPEG_QUALITY = 90


def write_pictures(folder: Path, count: int, data_dir: str, seed: int = 0) -> list[Path]:
    """Render and save `count` pictures into `folder` (made if missing); their paths, in order."""
    rng = np.random.default_rng(seed)
    conditions = pictures.CONDITIONS
    per_condition = -(-count // len(conditions))
    inks = digit_inks(-(-per_condition // 2), data_dir, str(pendigits.file_in(data_dir)), rng)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        condition = conditions[index % len(conditions)]
        ink, label = inks[(index // len(conditions)) % len(inks)]
        gray = pictures.picture(ink, condition, rng)
        if condition == "tilted_sheet":
            gray = cv2.resize(gray, PHOTO_SIZE, interpolation=cv2.INTER_LINEAR)
        photo = condition in ("tilted_sheet", "small_in_big_photo")
        path = folder / f"{index:04d}_{condition}_{label}.{'jpg' if photo else 'png'}"
        Image.fromarray(gray).save(path, "JPEG" if photo else "PNG", **({"quality": JPEG_QUALITY} if photo else {}))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.timing_pictures", description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder to write the pictures into (made if missing)")
    parser.add_argument("--count", type=int, default=700)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw and pendigits/")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    try:
        written = write_pictures(args.out, args.count, args.data_dir, args.seed)
    except (OSError, RuntimeError, pendigits.PendigitsError) as error:  # no data, a full disk, a folder that cannot be written
        print(f"training.timing_pictures: {error}", file=sys.stderr)
        return 2
    print(f"{len(written)} pictures written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
