"""Train a digit model: `python -m training` (console script `mnist-pad-train`).

Defaults reproduce the shipped default model (robust.pt). MNIST stays in memory as one uint8
tensor; batches are augmented as tensors on the training device. With --time-budget the whole
command ends within the budget (see training/budget.py): the learning-rate schedule follows the
fraction of the training time used, measured as it goes, and training stops in time to evaluate
and save, keeping the weights with the best validation accuracy (2,000 training images held out).
On the CPU the thread count is chosen by timing real steps (training/threads.py): a core held by
another program makes torch's default threads stall. Fine-tuning (--init) replays the original
data beside the corrections, at a lower learning rate, and reports the figures of the model it
started from beside the new ones.
"""
from __future__ import annotations

import argparse
import copy
import ctypes
import math
import os
import shlex
import signal
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
import torch
import torch.nn.functional as F

from mnist_pad import checkpoint, corrections as corrections_store, model as models, pendigits
from mnist_pad.machine import cpu_name
from mnist_pad.preprocess import PREPROCESS_VERSION
from mnist_pad.recipe import Recipe

from . import augment, data, evaluate, export
from .budget import Budget, EvaluationSet, TooSlow
from .options import parse_args
from .priority import lower_priority
from .progress import reporter
from .threads import ThreadChooser

VALIDATION_SIZE = 2000
CORRECTION_WIDTHS = 16
CORRECTION_SHARE = 0.1  # corrections are repeated until they are about this share of an epoch
# Fewest optimizer steps that make a useful model (the broken runs of issue 10 made fewer than 10):
# from scratch, 150 steps of 256 images reach about 97% on MNIST; fine-tuning needs far fewer.
MIN_STEPS, MIN_STEPS_FINETUNE = 150, 20
MIN_VAL_ACCURACY = 0.9  # below this on validation a model is broken, whatever the cause: never saved


AUGMENT_WORDS = {
    "none": "no augmentation (the tutorial way)",
    "thickness": "stroke thinning/thickening with the MNIST re-fit",
    "full": "stroke thinning/thickening with the MNIST re-fit plus small rotation, scale, shear and shift",
}


class SetupError(Exception):
    """Options that cannot work on this machine; the message says which to change."""


class BrokenModel(Exception):
    """Training ended with a model too poor to offer; nothing is saved."""


class Cancelled(Exception):
    """Ctrl-C or SIGTERM: stop now and save nothing."""


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
        candidate = pendigits.file_in(args.data_dir)
        return candidate if candidate.exists() else None
    return Path(args.pendigits)


def eval_pen_file(args: argparse.Namespace) -> Path | None:
    """The pendigits file whose held-out writers the final figures are measured on, if any."""
    if args.pendigits not in ("auto", "none"):
        return Path(args.pendigits)
    candidate = pendigits.file_in(args.data_dir)
    return candidate if candidate.exists() else None


def training_pool(args: argparse.Namespace, report) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, list[str]]:
    """Training images/labels, validation images/labels (uint8, int64), and a description of the data."""
    report.stage("loading MNIST", 0.0)
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
        stage = f"pen-drawn digits at {args.pen_widths} random brush widths each"
        report.stage(stage, 0.0)
        bank = data.pen_digit_bank(pen, args.pen_widths, args.seed, progress=lambda f: report.stage(stage, f),
                                   say=report.note, held_out=args.heldout_writers)
        if args.limit:
            bank = (bank[0][:args.limit], bank[1][:args.limit])
        parts.append(bank)
        writers = ",".join(str(w) for w in sorted(args.heldout_writers))
        used.append(f"UCI pen-based digits (Alpaydin & Alimoglu, CC BY 4.0), writers except {writers}: "
                    f"{len(bank[0]):,} renders at brush widths 3-55 px on a 280 px canvas")
    if args.corrections:
        report.stage("your corrections", 0.0)
        bank = data.corrections_bank(args.corrections, CORRECTION_WIDTHS, args.seed,
                                     progress=lambda f: report.stage("your corrections", f), say=report.note)
        if len(bank[0]):
            repeat = max(1, round(CORRECTION_SHARE * len(images) / len(bank[0])))
            parts.append((bank[0].repeat(repeat, 1, 1), bank[1].repeat(repeat)))
            used.append(f"user corrections from {args.corrections}: {len(bank[0]):,} renders, repeated {repeat}x")
    return (torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]), val_images, val_labels, used)


def evaluation_set(args: argparse.Namespace, report) -> EvaluationSet:
    """The final evaluation's data: MNIST test, held-out pen digits, and the corrections when training on them."""
    report.stage("loading the evaluation sets", 0.0)
    images, labels = data.load_mnist(args.data_dir, train=False, download=False)
    if args.limit:
        images, labels = images[:args.limit], labels[:args.limit]
    pen, pen_images, pen_labels = eval_pen_file(args), None, None
    if pen is not None:
        stage = "pen-drawn digits of the evaluation writers"
        pen_images, pen_labels = data.heldout_pen_renders(pen, evaluate.BRUSH_WIDTHS, lambda f: report.stage(stage, f),
                                                          report.note, writers=args.heldout_writers)
        if args.limit:
            pen_images, pen_labels = pen_images[:, :args.limit], pen_labels[:args.limit]
    try:
        drawings = corrections_store.load(args.corrections)[0] if args.corrections else []
    except corrections_store.CorrectionsError as error:
        raise data.DataError(str(error)) from None
    return EvaluationSet(images, labels, pen_images, pen_labels, drawings, args.heldout_writers)


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


def train(args, net, images, labels, val_images, val_labels, device, report, budget: Budget | None,
          threads: ThreadChooser | None) -> tuple[dict, float]:
    """The loop; returns the best weights (by validation accuracy) and that accuracy."""
    generator = torch.Generator().manual_seed(args.seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps_per_epoch = math.ceil(len(images) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs if args.epochs else None
    loop_start = time.perf_counter()
    best_state, best_accuracy = copy.deepcopy(net.state_dict()), -1.0
    step, epoch, seen, fraction = 0, 0, 0, 0.0
    if budget is not None:
        budget.check_start()
    net.train()
    while fraction < 1.0:
        epoch += 1
        order = torch.randperm(len(images), generator=generator)
        # Summed on the training device and read every 10 steps: reading them each step makes a GPU wait.
        running_loss, running_correct, running_count = torch.zeros((), device=device), torch.zeros((), device=device), 0
        for batch_start in range(0, len(images), args.batch_size):
            now = time.perf_counter()
            # Never backwards: a deadline brought forward by a slower machine only steepens the decay.
            fractions = [fraction] + ([step / total_steps] if total_steps else [])
            if budget is not None:
                fractions.append(budget.fraction(now))
            fraction = min(1.0, max(fractions))
            if fraction >= 1.0:
                if budget is not None and budget.steps < budget.min_steps:
                    raise TooSlow(budget.advice())  # out of time before the speed could even be judged
                break
            if threads is not None:
                threads.before_step()
            on_trial = threads is not None and threads.on_trial  # a step whose time is not the machine's usual
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
            if threads is not None:
                threads.after_step()
            if args.step_delay:
                time.sleep(args.step_delay)
            step += 1
            seen += len(index)
            if budget is not None:
                budget.step_done(time.perf_counter(), timed=not on_trial)
            running_loss += loss.detach() * len(index)
            running_correct += (logits.argmax(1) == target).sum()
            running_count += len(index)
            if step % 10 == 0 or batch_start + args.batch_size >= len(images):
                elapsed = time.perf_counter() - loop_start
                eta = (budget.started + budget.seconds - time.perf_counter() if budget is not None
                       else elapsed / max(fraction, 1e-3) * (1 - fraction))
                report.progress(fraction=round(fraction, 4), eta_s=round(max(0.0, eta), 1),
                                epoch=epoch, step=step, loss=float(running_loss) / running_count,
                                accuracy=int(running_correct) / running_count, images_per_s=round(seen / elapsed, 1),
                                threads=threads.threads if threads is not None else None)
                running_loss.zero_()
                running_correct.zero_()
                running_count = 0
        val_accuracy = accuracy(net, val_images, val_labels, device)
        report.eval(epoch, val_accuracy)
        if val_accuracy >= best_accuracy:
            best_state, best_accuracy = copy.deepcopy(net.state_dict()), val_accuracy
        if total_steps and step >= total_steps:
            break
    return best_state, best_accuracy


def trained_on(device: torch.device) -> str:
    """The machine a model is trained on, for its card: the GPU's name, or the CPU's and its cores."""
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
    else:
        name = f"{cpu_name()}, {os.cpu_count()} cores"
    return f"{name} ({device.type}), PyTorch {torch.__version__}"


def model_card(args, argv: list[str], arch: str, used: list[str], figures: dict, device: torch.device) -> dict:
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
                   "lr": args.lr, "schedule": args.schedule, "augment": args.augment,
                   "options": Recipe.from_args(args).to_argv()},
        "training_data": used,
        "trained_on": trained_on(device),
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


def run(args: argparse.Namespace, argv: list[str], report, started: float) -> int:
    """Load data, train, evaluate, save; returns the exit code. `started` is the process start (perf_counter)."""
    keep_freed_memory()
    torch.manual_seed(args.seed)
    device = choose_device(args.device)
    if args.init:
        base = checkpoint.load(args.init)
        net, arch = base.model, base.arch
    else:
        arch = args.arch
        net = models.build(arch)
    images, labels, val_images, val_labels, used = training_pool(args, report)
    evaluation = evaluation_set(args, report)
    threads = ThreadChooser() if device.type == "cpu" else None  # starts on one thread, so timings below are on one
    report.stage("timing the evaluation", 0.0)
    recognizer = export.recognizer_of(net.eval(), arch)  # the starting weights, for timing (and the baseline)
    baseline = None
    if args.init:  # the model it starts from, measured alike; that also times the final evaluation exactly
        begun = time.perf_counter()
        baseline = evaluation.figures(recognizer)
        evaluation_s = time.perf_counter() - begun
    budget = None
    if args.time_budget:
        evaluation_s = evaluation_s if args.init else evaluation.cost_s(recognizer)
        steps_possible = math.ceil(len(images) / args.batch_size) * args.epochs if args.epochs else MIN_STEPS
        budget = Budget(started, args.time_budget, evaluation_s,
                        min(steps_possible, MIN_STEPS_FINETUNE if args.init else MIN_STEPS),
                        saving_s=export.saving_cost_s(net, args.data_dir))
    # Channels-last activations make the convolutions about a third faster on CPU (oneDNN's preferred layout).
    net = net.to(device, memory_format=torch.channels_last)
    report.start(arch=arch, epochs=args.epochs, time_budget=args.time_budget, device=str(device), train_size=len(images))
    best_state, val_accuracy = train(args, net, images, labels, val_images, val_labels, device, report, budget, threads)
    for part in (threads, budget):
        if part is not None:
            report.note(part.summary())
    if val_accuracy < MIN_VAL_ACCURACY and not args.limit:
        raise BrokenModel(f"training reached only {val_accuracy:.1%} validation accuracy, too poor to offer; nothing was "
                          "saved. Give it more time (--time-budget or --epochs), or check the data.")
    net.load_state_dict(best_state)
    net = net.cpu().to(memory_format=torch.contiguous_format).eval()
    report.stage("evaluating the new model", 0.0)
    recognizer = export.recognizer_of(net, arch)  # the figures are the app's engine's
    figures = evaluation.figures(recognizer, lambda f: report.stage("evaluating the new model", f))
    figures["val_accuracy"] = val_accuracy
    card = model_card(args, argv, arch, used, figures, device)
    try:
        export.save_model(args.out, net, arch, card, args.data_dir)  # the .pt, then its checked ONNX form
    except OSError as error:
        report.error(f"cannot save the model to {args.out}: {error.strerror or error}; "
                     "any earlier file there is unchanged. Free some space or choose another --out.")
        return 1
    report.done(str(Path(args.out).resolve()), figures, round(time.perf_counter() - started, 1), baseline)
    return 0


def process_start() -> float:
    """When this process started, on the perf_counter clock: the budget covers interpreter start-up too."""
    age = time.time() - psutil.Process().create_time()
    return time.perf_counter() - max(0.0, age)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m training` and `mnist-pad-train`."""
    started = process_start() if argv is None else time.perf_counter()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv, __doc__)
    if args.low_priority:
        lower_priority()
    report = reporter(args.progress)
    report.stage("starting", 0.0)
    previous = {number: signal.signal(number, _cancel) for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        return run(args, argv, report, started)
    except Cancelled as stop:
        report.cancelled(str(stop))
        return 130
    except (data.DataError, checkpoint.CheckpointError, export.ExportError, SetupError, TooSlow, BrokenModel) as error:
        report.error(str(error))
        return 2
    finally:
        report.close()
        for number, handler in previous.items():
            signal.signal(number, handler)
