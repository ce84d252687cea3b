"""Train the non-digit detector and export it to ONNX for the app (mnist_pad.nondigit).

    python -m training.train_nondigit [--data-dir DIR] [--out resources/models/nondigit.onnx] [--epochs 6]

Digits: MNIST train images and pen digits of the training writers (never 5,10,...,30) rendered at
random brush widths; non-digits: training/nondigits.py with TRAIN_SEED (evaluation uses EVAL_SEED),
crossed-out digits made from training writers only. A few minutes on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import datetime
import json
import shlex
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mnist_pad import nondigit, paths, pendigits
from mnist_pad.files import write_atomic
from mnist_pad.preprocess import to_mnist
from mnist_pad.raster import rasterize

from . import data, nondigits

CANVAS = 280
WIDTH_RANGE = (3.0, 55.0)


class NonDigitNet(nn.Module):
    """conv 8@5x5 -> pool -> conv 16@3x3 -> pool -> fc 32 -> one logit (not a digit); about 14,000 weights."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2),    # 12x12
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),   # 5x5
            nn.Flatten(), nn.Linear(16 * 5 * 5, 32), nn.ReLU(), nn.Linear(32, 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x - 0.13)


def render(drawings: list, rng: np.random.Generator) -> np.ndarray:
    """Each drawing's 28x28 input at a random brush width, uint8 (N, 28, 28)."""
    widths = rng.uniform(*WIDTH_RANGE, len(drawings))
    return np.stack([to_mnist(rasterize(strokes, float(w), CANVAS)).image for strokes, w in zip(drawings, widths)])


def training_set(data_dir: Path, pen_file: Path, mnist_count: int, nondigit_count: int, pen_copies: int, seed: int):
    """Images (N, 28, 28) uint8 and labels (1 = not a digit) from training writers and TRAIN_SEED only."""
    rng = np.random.default_rng(seed)
    images, _ = data.load_mnist(data_dir, train=True, download=False)
    mnist = images.numpy()[rng.choice(len(images), mnist_count, replace=False)]
    pen = [d for d in pendigits.load(pen_file) if d.writer not in pendigits.EVAL_WRITERS]
    pen_images = render([d.fitted(CANVAS) for d in pen] * pen_copies, rng)
    others = render([strokes for _, strokes in nondigits.generate(nondigit_count, nondigits.TRAIN_SEED, pen)], rng)
    x = np.concatenate([mnist, pen_images, others])
    y = np.r_[np.zeros(len(mnist) + len(pen_images)), np.ones(len(others))].astype(np.float32)
    return x, y


def train(x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> NonDigitNet:
    """Adam, batch 256, one-cycle schedule, binary cross-entropy."""
    torch.manual_seed(seed)
    net = NonDigitNet()
    images, labels = torch.from_numpy(x).float()[:, None] / 255, torch.from_numpy(y)
    steps = epochs * ((len(images) + 255) // 256)
    optimiser = torch.optim.Adam(net.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, total_steps=steps)
    # A real digit called "not a digit" costs more than the reverse: the non-digit side counts half.
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(0.5))
    for epoch in range(epochs):
        order = torch.randperm(len(images))
        total = 0.0
        for start in range(0, len(images), 256):
            batch = order[start:start + 256]
            loss = loss_fn(net(images[batch]).squeeze(1), labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(batch)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(images):.4f}", flush=True)
    return net.eval()


def export(net: NonDigitNet, out: Path, card: dict) -> None:
    """The ONNX file (batch size free) and its card beside it, each written atomically."""
    import io

    buffer = io.BytesIO()
    torch.onnx.export(net, (torch.zeros(1, 1, 28, 28),), buffer, input_names=["images"], output_names=["logit"],
                      dynamic_axes={"images": {0: "batch"}, "logit": {0: "batch"}}, dynamo=False)
    write_atomic(out, buffer.getvalue())
    write_atomic(out.with_suffix(".json"), (json.dumps(card, indent=2) + "\n").encode())


def main(argv: list[str] | None = None) -> int:
    """Build the training set, train, export, and check ONNX Runtime gives the same answers as PyTorch."""
    parser = argparse.ArgumentParser(prog="python -m training.train_nondigit", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()))
    parser.add_argument("--out", default=str(nondigit.shipped_path()))
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--mnist", type=int, default=20000, help="MNIST training images used as digits")
    parser.add_argument("--nondigits", type=int, default=24000, help="generated non-digits")
    parser.add_argument("--pen-copies", type=int, default=4, help="renders of each training writer's pen digit")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    pen_file = Path(args.data_dir) / "pendigits" / "pendigits-orig.tra"
    x, y = training_set(Path(args.data_dir), pen_file, args.mnist, args.nondigits, args.pen_copies, args.seed)
    print(f"training on {int((y == 0).sum())} digits and {int(y.sum())} non-digits", flush=True)
    net = train(x, y, args.epochs, args.seed)
    command = "python -m training.train_nondigit " + shlex.join(argv if argv is not None else sys.argv[1:])
    card = {
        "name": "nondigit",
        "description": "P(not a digit) for a 28x28 MNIST-form input: letters, symbols, scribbles, crossed-out digits, spirals, blobs",
        "arch": "NonDigitNet (training/train_nondigit.py)",
        "recipe": {"command": command, "seed": args.seed, "epochs": args.epochs},
        "training_data": [f"MNIST train, {args.mnist:,} images", f"UCI pen digits, writers except "
                          f"{','.join(map(str, sorted(pendigits.EVAL_WRITERS)))}, each rendered {args.pen_copies} times at brush widths 3-55 px",
                          f"training/nondigits.py seed {nondigits.TRAIN_SEED}, {args.nondigits:,} drawings"],
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    out = Path(args.out)
    export(net, out, card)
    check = x[:: max(1, len(x) // 500)]
    with torch.no_grad():
        expected = torch.sigmoid(net(torch.from_numpy(check).float()[:, None] / 255)).squeeze(1).numpy()
    got = nondigit.NotADigitDetector.load(out).probabilities(check)
    print(f"wrote {out} ({out.stat().st_size:,} bytes); ONNX Runtime vs PyTorch: max difference {np.abs(got - expected).max():.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
