"""Train a digit model: `python -m training` (console script `mnist-pad-train`).

Defaults reproduce the shipped default model (robust.pt). MNIST stays in memory as one uint8
tensor; batches are augmented as tensors on the training device. With --time-budget the
learning-rate schedule follows the elapsed fraction of the budget and training stops in time,
keeping the weights with the best validation accuracy (2,000 training images held out).
"""
from __future__ import annotations

import argparse
import copy
import ctypes
import math
import shlex
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch.nn.functional as F

from mnist_pad import checkpoint, model as models, paths, pendigits
from mnist_pad.preprocess import PREPROCESS_VERSION

from . import augment, data, evaluate, export
from .priority import lower_priority
from .progress import reporter

VALIDATION_SIZE = 2000
PEN_WIDTHS_PER_DIGIT = 3
CORRECTION_WIDTHS = 16
CORRECTION_SHARE = 0.1  # corrections are repeated until they are about this share of an epoch
# Budget kept back for the final evaluation: inference runs at about 3x the training speed,
# a pen-digit render through the Recognizer costs about 0.4 ms, saving and slack about 3 s.
INFERENCE_SPEEDUP, RENDER_S, FIXED_RESERVE_S = 3.0, 0.0004, 3.0


AUGMENT_WORDS = {
    "none": "no augmentation (the tutorial way)",
    "thickness": "stroke thinning/thickening with the MNIST re-fit",
    "full": "stroke thinning/thickening with the MNIST re-fit plus small rotation, scale, shear and shift",
}


class SetupError(Exception):
    """Options that cannot work on this machine; the message says which to change."""


class Cancelled(Exception):
    """Ctrl-C or SIGTERM: stop now and save nothing."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; defaults are the shipped robust recipe."""
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw (downloaded there if missing)")
    parser.add_argument("--epochs", type=int, default=None, help="epochs (default 30, or as many as --time-budget allows)")
    parser.add_argument("--time-budget", type=float, default=None, metavar="SECONDS", help="stop within this many seconds, schedule fitted to it")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate of Adam (default 3e-3, 3e-4 with --init)")
    parser.add_argument("--schedule", choices=["onecycle", "constant"], default="onecycle", help="learning-rate schedule")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--arch", choices=sorted(models.ARCHITECTURES), default="padnet")
    parser.add_argument("--augment", choices=["none", "thickness", "full"], default="full")
    parser.add_argument("--pendigits", default="auto",
                        help="also train on pen-drawn digits (writers outside pendigits.EVAL_WRITERS): a pendigits-orig.tra file, "
                             "'auto' (DATA_DIR/pendigits/pendigits-orig.tra when present, none with --init) or 'none'")
    parser.add_argument("--corrections", default=None, help="a corrections JSONL file to include, oversampled, at random brush widths")
    parser.add_argument("--init", default=None, help="fine-tune from this checkpoint (its architecture wins over --arch)")
    parser.add_argument("--out", default="model.pt", help="where to save the checkpoint (written atomically)")
    parser.add_argument("--progress", choices=["bar", "json"], default="bar")
    parser.add_argument("--low-priority", action="store_true",
                        help="run at a lower CPU priority (the app uses this so drawing stays smooth meanwhile)")
    parser.add_argument("--limit", type=int, default=None, help=argparse.SUPPRESS)  # tests: train on N images only
    args = parser.parse_args(argv)
    if args.lr is None:
        args.lr = 3e-4 if args.init else 3e-3
    if args.epochs is None and args.time_budget is None:
        args.epochs = 30
    if (args.epochs is not None and args.epochs < 1) or (args.time_budget is not None and args.time_budget <= 0):
        parser.error("--epochs and --time-budget must be positive")
    return args


def choose_device(name: str) -> torch.device:
    """auto means CUDA when available, else CPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    elif name == "cuda" and not torch.cuda.is_available():
        raise SetupError("--device cuda was asked for but no CUDA GPU is available; use --device cpu")
    return torch.device(name)


def pen_file(args: argparse.Namespace) -> Path | None:
    """The pendigits file to train on, if any."""
    if args.pendigits == "none":
        return None
    if args.pendigits == "auto":
        if args.init:
            return None  # fine-tuning is about the corrections; the base model has seen pen digits already
        candidate = Path(args.data_dir) / "pendigits" / "pendigits-orig.tra"
        return candidate if candidate.exists() else None
    return Path(args.pendigits)


def eval_pen_file(args: argparse.Namespace) -> Path | None:
    """The pendigits file whose held-out writers the final figures are measured on, if any."""
    if args.pendigits not in ("auto", "none"):
        return Path(args.pendigits)
    candidate = Path(args.data_dir) / "pendigits" / "pendigits-orig.tra"
    return candidate if candidate.exists() else None


def training_pool(args: argparse.Namespace, say) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, list[str]]:
    """Training images/labels, validation images/labels (uint8, int64), and a description of the data."""
    images, labels = data.load_mnist(args.data_dir, train=True)
    val_images, val_labels = images[-VALIDATION_SIZE:], labels[-VALIDATION_SIZE:]
    images, labels = images[:-VALIDATION_SIZE], labels[:-VALIDATION_SIZE]
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
        val_images, val_labels = val_images[:args.limit], val_labels[:args.limit]
    used = [f"MNIST train, {len(images):,} images (last {VALIDATION_SIZE:,} held out for validation)"]
    parts = [(images, labels)]
    pen = pen_file(args)
    if pen is not None:
        say(f"rendering pen-drawn digits from {pen} at {PEN_WIDTHS_PER_DIGIT} random brush widths each")
        bank = data.pen_digit_bank(pen, PEN_WIDTHS_PER_DIGIT, args.seed)
        if args.limit:
            bank = (bank[0][:args.limit], bank[1][:args.limit])
        parts.append(bank)
        writers = ",".join(str(w) for w in sorted(pendigits.EVAL_WRITERS))
        used.append(f"UCI pen-based digits (Alpaydin & Alimoglu, CC BY 4.0), writers except {writers}: "
                    f"{len(bank[0]):,} renders at brush widths 3-55 px on a 280 px canvas")
    if args.corrections:
        bank = data.corrections_bank(args.corrections, CORRECTION_WIDTHS, args.seed)
        if len(bank[0]):
            repeat = max(1, round(CORRECTION_SHARE * len(images) / len(bank[0])))
            parts.append((bank[0].repeat(repeat, 1, 1), bank[1].repeat(repeat)))
            used.append(f"user corrections from {args.corrections}: {len(bank[0]):,} renders, repeated {repeat}x")
    return (torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]), val_images, val_labels, used)


def learning_rate(args: argparse.Namespace, fraction: float) -> float:
    """One-cycle: a short linear warm-up, then cosine decay to 1/100 of the peak."""
    if args.schedule == "constant":
        return args.lr
    warmup = 0.02 if args.init else 0.1
    if fraction < warmup:
        return args.lr * (0.1 + 0.9 * fraction / warmup)
    return args.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, (fraction - warmup) / (1 - warmup)))))


@torch.no_grad()
def accuracy(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, device: torch.device) -> float:
    """Accuracy of `net` on uint8 images."""
    net.eval()
    correct = 0
    for start in range(0, len(images), 2000):
        batch = images[start:start + 2000].to(device).float()[:, None] / 255
        correct += int((net(batch).argmax(1).cpu() == labels[start:start + 2000]).sum())
    net.train()
    return correct / max(1, len(images))


def train(args, net, images, labels, val_images, val_labels, device, report, started: float) -> tuple[dict, float]:
    """The loop; returns the best weights (by validation accuracy) and that accuracy."""
    generator = torch.Generator().manual_seed(args.seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps_per_epoch = math.ceil(len(images) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs if args.epochs else None
    test_images = min(args.limit or 10_000, 10_000)
    pen_renders = 0 if eval_pen_file(args) is None else len(pendigits.EVAL_WRITERS) * 250 * len(evaluate.BRUSH_WIDTHS)
    loop_start = time.perf_counter()
    best_state, best_accuracy = copy.deepcopy(net.state_dict()), -1.0
    step, epoch, seen, fraction = 0, 0, 0, 0.0
    net.train()
    while fraction < 1.0:
        epoch += 1
        order = torch.randperm(len(images), generator=generator)
        running_loss, running_correct, running_count = 0.0, 0, 0
        for batch_start in range(0, len(images), args.batch_size):
            now = time.perf_counter()
            fractions = [step / total_steps] if total_steps else []
            if args.time_budget:
                # Until the first steps are timed, keep back only what does not depend on the speed.
                speed = seen / max(1e-6, now - loop_start)
                inference_s = (test_images + pen_renders) / (INFERENCE_SPEEDUP * speed) if seen else 0.0
                reserve = FIXED_RESERVE_S + inference_s + pen_renders * RENDER_S
                deadline = started + args.time_budget - reserve
                if step == 0 and now >= deadline:
                    raise SetupError(f"--time-budget {args.time_budget:g} s leaves no time to train: loading took "
                                     f"{now - started:.0f} s and the final evaluation needs about {reserve:.0f} s; "
                                     f"give it at least {math.ceil(now - started + reserve + 5)} s")
                fractions.append((now - loop_start) / max(1e-6, deadline - loop_start))
            fraction = max(fractions)
            if fraction >= 1.0:
                break
            index = order[batch_start:batch_start + args.batch_size]
            batch = images[index].to(device).float()[:, None] / 255
            target = labels[index].to(device)
            batch = augment.augment(batch, args.augment, generator)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(args, fraction)
            logits = net(batch)
            loss = F.cross_entropy(logits, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            step += 1
            seen += len(index)
            running_loss += float(loss.detach()) * len(index)
            running_correct += int((logits.argmax(1) == target).sum())
            running_count += len(index)
            if step % 10 == 0 or batch_start + args.batch_size >= len(images):
                elapsed = time.perf_counter() - loop_start
                report.progress(fraction=round(fraction, 4), eta_s=round(elapsed / max(fraction, 1e-3) * (1 - fraction), 1),
                                epoch=epoch, step=step, loss=running_loss / running_count,
                                accuracy=running_correct / running_count, images_per_s=round(seen / elapsed, 1))
                running_loss, running_correct, running_count = 0.0, 0, 0
        val_accuracy = accuracy(net, val_images, val_labels, device)
        report.eval(epoch, val_accuracy)
        if val_accuracy >= best_accuracy:
            best_state, best_accuracy = copy.deepcopy(net.state_dict()), val_accuracy
        if total_steps and step >= total_steps:
            break
    return best_state, best_accuracy


def model_card(args, argv: list[str], arch: str, used: list[str], figures: dict) -> dict:
    """The card stored inside the checkpoint."""
    name = Path(args.out).stem
    return {
        "name": name,
        "description": (f"{arch}, {AUGMENT_WORDS[args.augment]}; Adam, batch {args.batch_size}, {args.schedule} schedule"
                        + ("; trained on pen-drawn digits too" if pen_file(args) else "")
                        + (f"; fine-tuned from {args.init}" if args.init else "")),
        "arch": arch,
        "recipe": {"command": "python -m training " + shlex.join(argv), "seed": args.seed, "epochs": args.epochs,
                   "time_budget": args.time_budget, "batch_size": args.batch_size, "optimizer": "Adam",
                   "lr": args.lr, "schedule": args.schedule, "augment": args.augment},
        "training_data": used,
        "figures": figures,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "preprocess_version": PREPROCESS_VERSION,
    }


def keep_freed_memory() -> None:
    """Let glibc keep freed activation buffers instead of returning them to the OS at every step.

    PyTorch's CPU allocator uses malloc; each batch's activations exceed the mmap threshold, so by
    default every step maps and unmaps them, and page faults cost about a quarter of the CPU time.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return  # not glibc: nothing to tune
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, 1 << 30)


def _cancel(signum, frame):
    raise Cancelled(f"training was stopped ({signal.Signals(signum).name}); nothing was saved")


def run(args: argparse.Namespace, argv: list[str], report) -> int:
    """Load data, train, evaluate, save; returns the exit code."""
    started = time.perf_counter()
    keep_freed_memory()
    torch.manual_seed(args.seed)
    device = choose_device(args.device)
    if args.init:
        base = checkpoint.load(args.init)
        net, arch = base.model, base.arch
    else:
        arch = args.arch
        net = models.build(arch)
    net = net.to(device)
    images, labels, val_images, val_labels, used = training_pool(args, report.note)
    report.start(arch=arch, epochs=args.epochs, time_budget=args.time_budget, device=str(device), train_size=len(images))
    best_state, val_accuracy = train(args, net, images, labels, val_images, val_labels, device, report, started)
    net.load_state_dict(best_state)
    net = net.cpu().eval()
    recognizer = export.recognizer_of(net, arch)  # the figures are the app's engine's
    test_limit = args.limit or None
    figures = evaluate.evaluate_model(recognizer, args.data_dir, eval_pen_file(args), test_limit, thickness=False)
    figures["val_accuracy"] = val_accuracy
    card = model_card(args, argv, arch, used, figures)
    try:
        export.save_model(args.out, net, arch, card, args.data_dir)  # the .pt, then its checked ONNX form
    except OSError as error:
        report.error(f"cannot save the model to {args.out}: {error.strerror or error}; "
                     "any earlier file there is unchanged. Free some space or choose another --out.")
        return 1
    report.done(str(Path(args.out).resolve()), figures, round(time.perf_counter() - started, 1))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m training` and `mnist-pad-train`."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.low_priority:
        lower_priority()
    report = reporter(args.progress)
    previous = {number: signal.signal(number, _cancel) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        return run(args, argv, report)
    except Cancelled as stop:
        report.cancelled(str(stop))
        return 130
    except (data.DataError, checkpoint.CheckpointError, export.ExportError, SetupError) as error:
        report.error(str(error))
        return 2
    finally:
        report.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
