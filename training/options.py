"""The command line of `python -m training`: options, their bounds and defaults (the shipped robust recipe)."""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from mnist_pad import corrections as corrections_store, model as models, paths, pendigits
from mnist_pad.recipe import Recipe

from . import augment

# Within a budget of about a minute, smaller steps learn more from the images there is time for:
# 60 s runs reached 99.15-99.18% MNIST test at batch 128, 98.90-99.17% at 256 (issue 10).
BATCH, BATCH_BUDGETED = 256, 128
EPOCHS = 40
# Within a budget of minutes on a CPU the smaller padnet learns more: 60 s runs reached 99.26% on MNIST
# test against padnet4's 98.97%; given its 40 epochs (a few minutes on a GPU) padnet4 reaches 99.69%.
ARCH, ARCH_BUDGETED = "padnet4", "padnet"
LR, LR_FINETUNE = 3e-3, 3e-4  # fine-tune: 97% of corrections learned for -0.15 MNIST points (1e-4: 91%)
DEFAULTS = Recipe()


def bounded(kind: type, low: float, high: float):
    """An argparse type: a finite `kind` (int or float) from `low` to `high`, else a message naming the bounds."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole number' if kind is int else 'number'}") from None
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(f"{text} is outside the accepted range {low:g} to {high:g}")
        return value
    return parse


def writer_list(text: str) -> frozenset[int]:
    """An argparse type: pen-digit writers as a comma list ("1,6,11"), each 1 to 999."""
    try:
        writers = frozenset(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma list of writer numbers, like 1,6,11") from None
    if not writers or not all(1 <= w <= 999 for w in writers):
        raise argparse.ArgumentTypeError(f"{text}: writer numbers go from 1 to 999")
    return writers


def parse_args(argv: list[str] | None, description: str = "Train a digit model.") -> argparse.Namespace:
    """The command line; defaults are the shipped robust recipe."""
    parser = argparse.ArgumentParser(prog="python -m training", description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw (downloaded there if missing)")
    parser.add_argument("--epochs", type=bounded(int, 1, 10_000), default=None, help=f"epochs (default {EPOCHS}, or as many as --time-budget allows)")
    parser.add_argument("--time-budget", type=bounded(float, 1, 7 * 24 * 3600), default=None, metavar="SECONDS", help="stop within this many seconds, schedule fitted to it")
    parser.add_argument("--batch-size", type=bounded(int, 1, 8192), default=DEFAULTS.batch_size,
                        help=f"images per step (default {BATCH}, {BATCH_BUDGETED} with --time-budget when not fine-tuning)")
    parser.add_argument("--lr", type=bounded(float, 1e-7, 1.0), default=DEFAULTS.lr,
                        help=f"peak learning rate of Adam (default {LR:g}, {LR_FINETUNE:g} with --init)")
    parser.add_argument("--schedule", choices=["onecycle", "constant"], default=DEFAULTS.schedule, help="learning-rate schedule")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default=DEFAULTS.device)
    parser.add_argument("--seed", type=bounded(int, 0, 2**63 - 1), default=DEFAULTS.seed)
    parser.add_argument("--arch", choices=sorted(models.ARCHITECTURES), default=DEFAULTS.arch,
                        help=f"the network (default {ARCH}, the shipped default's; {ARCH_BUDGETED} with --time-budget, "
                             "which learns more in minutes on a CPU)")
    parser.add_argument("--augment", choices=augment.MODES, default=DEFAULTS.augment)
    parser.add_argument("--pendigits", default=DEFAULTS.pendigits,
                        help="also train on pen-drawn digits (writers outside --heldout-writers): a pendigits-orig.tra file, "
                             "'auto' (DATA_DIR/pendigits/pendigits-orig.tra when present) or 'none'")
    parser.add_argument("--pen-widths", type=bounded(int, 1, 32), default=DEFAULTS.pen_widths, metavar="N",
                        help=f"renders of each pen-drawn digit, each at its own random brush width (default {DEFAULTS.pen_widths})")
    parser.add_argument("--heldout-writers", type=writer_list, default=pendigits.EVAL_WRITERS, metavar="W,W,...",
                        help="pen-digit writers never trained on, whose digits the final figures are measured on "
                             "(default: pendigits.EVAL_WRITERS; python -m training.evaluate --cross-validate sets others)")
    parser.add_argument("--corrections", default=None, help="a corrections JSONL file to include, oversampled, at random brush widths")
    parser.add_argument("--init", default=None, help="fine-tune from this checkpoint (its architecture wins over --arch)")
    parser.add_argument("--out", default="model.pt", help="where to save the checkpoint (written atomically)")
    parser.add_argument("--progress", choices=["bar", "json"], default="bar")
    parser.add_argument("--low-priority", action="store_true",
                        help="run at a lower CPU priority (the app uses this so drawing stays smooth meanwhile)")
    parser.add_argument("--limit", type=bounded(int, 1, 60_000), default=None, help=argparse.SUPPRESS)  # tests: train on N images only
    # tests: sleep this long after each step, a simulated slow machine
    parser.add_argument("--step-delay", type=bounded(float, 0, 60), default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = LR_FINETUNE if args.init else LR
    if args.arch is None:
        args.arch = ARCH_BUDGETED if args.time_budget else ARCH
    if args.batch_size is None:
        args.batch_size = BATCH_BUDGETED if args.time_budget and not args.init else BATCH
    if args.epochs is None and args.time_budget is None:
        args.epochs = EPOCHS
    if paths.is_shipped(args.out):
        parser.error(f"--out {args.out} would overwrite a model shipped with the app; choose another path")
    if args.corrections:
        if not Path(args.corrections).exists():
            parser.error(f"--corrections {args.corrections}: no such file")
        try:
            records, skipped = corrections_store.load(args.corrections)
        except corrections_store.CorrectionsError as error:
            parser.error(f"--corrections: {error}")
        if not records:
            parser.error(f"--corrections {args.corrections} holds no usable drawings ({skipped} unreadable line(s))")
    return args
