"""`python -m training.mnist_stats`: MNIST's stroke thickness, slant and size, for the app's likeness view.

Measures every training image with mnist_pad.morphometry and writes the percentiles of each
measure as the small JSON the app ships (resources/mnist_morphometry.json).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from mnist_pad import files, morphometry, paths
from training import data

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "resources" / morphometry.REFERENCE_FILE


def main(argv: list[str] | None = None) -> int:
    """Measure MNIST's training set and write the reference percentiles."""
    parser = argparse.ArgumentParser(prog="python -m training.mnist_stats", description=__doc__)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="where to write the JSON (default: the shipped file)")
    parser.add_argument("--limit", type=int, default=None, help="measure only the first N images (a quick look)")
    args = parser.parse_args(argv)
    try:
        images, _ = data.load_mnist(args.data_dir, train=True, download=False)
    except data.DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    images = images.numpy()[: args.limit]
    measured = [m for m in map(morphometry.measure, images) if m is not None]
    source = f"MNIST train, {len(measured):,} images, measured by python -m training.mnist_stats"
    reference = morphometry.reference_from_measures(measured, source)
    files.write_atomic(args.out, (json.dumps(reference, indent=1) + "\n").encode())
    for name in morphometry.MEASURES:
        low, median, high = np.asarray(reference["percentiles"][name])[[5, 50, 95]]
        print(f"{name:10s} median {median:6.2f}   5%-95%: {low:6.2f} - {high:6.2f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
