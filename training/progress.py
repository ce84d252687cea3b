"""Progress reporters: a tqdm bar for people, JSON lines on stdout for the GUI.

JSON events, one object per line, flushed (the GUI depends on this schema):
    stage (loading or evaluating: stage, fraction), start, progress, eval, done, cancelled, error
(see training/train.py for when each is sent). The first stage event comes as soon as the process runs.
"""
from __future__ import annotations

import json
import sys

from tqdm import tqdm

from mnist_pad import figures as keys

SUMMARY = (keys.MNIST_TEST, keys.PEN_MEAN, keys.PEN_WORST, keys.CORRECTIONS_MEAN)
SUMMARY_WORDS = {keys.MNIST_TEST: "MNIST test", keys.PEN_MEAN: "pen digits (mean over widths)",
                 keys.PEN_WORST: "pen digits (worst width)", keys.CORRECTIONS_MEAN: "your drawings (mean over widths)"}


def before_after(figures: dict, baseline: dict) -> list[str]:
    """Lines "name: before -> after" for the summary figures both hold."""
    return [f"{SUMMARY_WORDS[key]}: {baseline[key]:.2%} before, {figures[key]:.2%} after "
            f"({100 * (figures[key] - baseline[key]):+.2f} points)"
            for key in SUMMARY if key in figures and key in baseline]


class JsonReporter:
    """One JSON object per line on stdout, flushed at once."""

    def _emit(self, event: str, **fields) -> None:
        print(json.dumps({"event": event, **fields}), flush=True)

    def stage(self, stage: str, fraction: float) -> None:
        """Loading or evaluating: what is being done and how far (0..1)."""
        self._emit("stage", stage=stage, fraction=round(fraction, 3))

    def start(self, **info) -> None:
        """Training is about to begin: arch, epochs, time_budget, device, train_size."""
        self._emit("start", **info)

    def progress(self, **fields) -> None:
        """A step report: fraction, eta_s, epoch, step, loss, accuracy, images_per_s, threads (torch's, on CPU)."""
        self._emit("progress", **fields)

    def eval(self, epoch: int, val_accuracy: float) -> None:
        """Validation accuracy at the end of an epoch."""
        self._emit("eval", epoch=epoch, val_accuracy=val_accuracy)

    def note(self, message: str) -> None:
        """Free text for people; JSON consumers need not see it."""

    def done(self, path: str, figures: dict, seconds: float, baseline: dict | None = None) -> None:
        """The model is saved at `path`; `baseline` holds the figures of the model it was fine-tuned from."""
        self._emit("done", path=path, figures=figures, seconds=seconds, baseline=baseline)

    def cancelled(self, message: str) -> None:
        """Stopped by the user; nothing was saved."""
        self._emit("cancelled", message=message)

    def error(self, message: str) -> None:
        """Failed; the message says what to do."""
        self._emit("error", message=message)

    def close(self) -> None:
        """Nothing to release."""


class BarReporter(JsonReporter):
    """A tqdm bar on stderr with loss, accuracy and ETA; results as plain lines."""

    def __init__(self):
        self._bar: tqdm | None = None
        self._stage: str | None = None

    def stage(self, stage: str, fraction: float) -> None:
        """A bar per loading or evaluation stage."""
        if stage != self._stage:
            self.close()
            self._stage = stage
            self._bar = tqdm(total=1000, desc=stage, file=sys.stderr, dynamic_ncols=True, bar_format="{l_bar}{bar}| {elapsed}")
        self._bar.n = int(fraction * 1000)
        self._bar.refresh()

    def start(self, **info) -> None:
        """Open the bar."""
        self.close()
        budget = f", budget {info['time_budget']:.0f} s" if info.get("time_budget") else ""
        epochs = f"{info['epochs']} epochs" if info.get("epochs") else "epochs to fit the budget"
        self.note(f"training {info['arch']} on {info['device']}: {info['train_size']:,} images, {epochs}{budget}")
        self._bar = tqdm(total=1000, unit="‰", file=sys.stderr, dynamic_ncols=True,
                         bar_format="{l_bar}{bar}| {postfix}")

    def progress(self, **fields) -> None:
        """Move the bar and show loss, accuracy, speed and ETA."""
        if self._bar is None:
            return
        self._bar.n = int(fields["fraction"] * 1000)
        self._bar.set_description(f"epoch {fields['epoch']}", refresh=False)
        minutes, seconds = divmod(int(fields["eta_s"]), 60)
        self._bar.set_postfix_str(f"loss {fields['loss']:.3f} acc {fields['accuracy']:.2%} "
                                  f"{fields['images_per_s']:,.0f} img/s ETA {minutes}:{seconds:02d}")

    def eval(self, epoch: int, val_accuracy: float) -> None:
        """Print the validation accuracy above the bar."""
        self.note(f"epoch {epoch}: validation accuracy {val_accuracy:.2%}")

    def note(self, message: str) -> None:
        """A line for people, above the bar."""
        tqdm.write(message, file=sys.stderr)

    def done(self, path: str, figures: dict, seconds: float, baseline: dict | None = None) -> None:
        """Print where the model went and its figures (before and after, when fine-tuned)."""
        self.close()
        shown = ", ".join(f"{k} {figures[k]:.2%}" for k in SUMMARY if k in figures)
        print(f"saved {path} after {seconds:.0f} s: {shown}", flush=True)
        for line in before_after(figures, baseline or {}):
            print(f"  {line}", flush=True)

    def cancelled(self, message: str) -> None:
        """Say that nothing was saved."""
        self.close()
        print(message, file=sys.stderr, flush=True)

    def error(self, message: str) -> None:
        """Print the error for the user."""
        self.close()
        print(f"error: {message}", file=sys.stderr, flush=True)

    def close(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        self._stage = None


def reporter(kind: str) -> JsonReporter:
    """The reporter for --progress bar|json."""
    return JsonReporter() if kind == "json" else BarReporter()
