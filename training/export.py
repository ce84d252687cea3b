"""A checkpoint's ONNX form for the app: exported, checked against PyTorch, written beside it.

    python -m training.export CHECKPOINT [--out NAME.json] [--data-dir DIR] [--progress json]

Writes NAME.onnx (the network with its softmax) and NAME.json (the model card, sizes and SHA-256
of both files, the parity figures); by default NAME is the checkpoint's own path. The ONNX form
is used only after ONNX Runtime gave the same digit as PyTorch on every image of the whole
MNIST test set (a fixed set of rendered drawings when MNIST is not on this machine) with
probabilities within 1e-4. The checkpoint is read as mnist_pad.checkpoint always reads one:
weights only, so a file that would run code when loaded is refused and nothing is executed.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from mnist_pad import checkpoint, engine, paths
from mnist_pad.card import validate_card
from mnist_pad.files import write_atomic
from mnist_pad.preprocess import to_mnist
from mnist_pad.raster import CANVAS_SIZE, rasterize
from mnist_pad.recognizer import Recognizer

from . import data

TOLERANCE = 1e-4  # largest |p_onnx - p_torch| allowed on any image and class
SYNTHETIC_COUNT = 2000


class ExportError(Exception):
    """The ONNX form could not be made or does not match the PyTorch model; nothing was written."""


def to_onnx(net: nn.Module) -> bytes:
    """The network with a softmax, as ONNX bytes with a dynamic batch size (TorchScript exporter)."""
    model = nn.Sequential(net, nn.Softmax(dim=1)).cpu().eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation chatter says nothing about this model
        torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), buffer, input_names=[engine.INPUT],
                          output_names=[engine.OUTPUT], opset_version=17, dynamo=False,
                          dynamic_axes={engine.INPUT: {0: "batch"}, engine.OUTPUT: {0: "batch"}})
    return buffer.getvalue()


def parity_images(data_dir: str | Path | None) -> tuple[np.ndarray, str]:
    """The images both engines must agree on: MNIST test when present, else seeded rendered scribbles."""
    if data_dir is not None:
        try:
            images, _ = data.load_mnist(data_dir, train=False, download=False)
            return images.numpy(), f"MNIST test ({len(images)} images)"
        except data.DataError:
            pass
    rng = np.random.default_rng(0)
    drawings = [[rng.uniform(20, 260, (rng.integers(2, 12), 2)) for _ in range(rng.integers(1, 4))]
                for _ in range(SYNTHETIC_COUNT)]
    images = np.stack([to_mnist(rasterize(d, float(rng.uniform(3, 50)), CANVAS_SIZE)).image for d in drawings])
    return images, f"rendered random strokes ({len(images)} images; MNIST test not found)"


def check_parity(net: nn.Module, onnx_bytes: bytes, images: np.ndarray, description: str) -> dict:
    """Same digit on every image and probabilities within TOLERANCE, else ExportError; the figures."""
    session = engine.session_from_bytes(onnx_bytes, "exported model", threads=torch.get_num_threads())
    # Channels-last activations: PyTorch's convolutions run about 1.7x faster so on a CPU (the same
    # layout training uses), which a quick fine-tune's time budget feels; the layout is put back after.
    net = net.cpu().eval().to(memory_format=torch.channels_last)
    worst, disagree, swapped = 0.0, 0, 0
    try:
        for start in range(0, len(images), 1000):
            batch = images[start:start + 1000].astype(np.float32)[:, None] / 255.0
            with torch.inference_mode():
                inputs = torch.from_numpy(batch).to(memory_format=torch.channels_last)
                expected = torch.softmax(net(inputs), dim=1).contiguous().numpy()
            got = engine.run(session, batch)
            worst = max(worst, float(np.abs(got - expected).max()))
            disagree += different_digits(got, expected)
            swapped += int((got.argmax(1) != expected.argmax(1)).sum())  # ties within TOLERANCE included
    finally:
        net.to(memory_format=torch.contiguous_format)
    if disagree or worst > TOLERANCE:
        raise ExportError(f"ONNX Runtime and PyTorch differ on {description}: {disagree} different digits, "
                          f"largest probability difference {worst:.2e} (allowed {TOLERANCE:.0e}); nothing was written")
    return {"set": description, "images": int(len(images)), "argmax_agreement": 1 - swapped / max(1, len(images)),
            "max_abs_prob_diff": worst, "tolerance": TOLERANCE}


def different_digits(got: np.ndarray, expected: np.ndarray) -> int:
    """Images whose digit differs between the two engines' probabilities (N, 10). A tie closer than
    TOLERANCE is no difference: an untrained network's nearly equal probabilities may fall either way."""
    rows = np.arange(len(expected))
    picked = got.argmax(1)
    return int(((picked != expected.argmax(1)) & (expected.max(1) - expected[rows, picked] > TOLERANCE)).sum())


def saving_cost_s(net: nn.Module, data_dir: str | Path | None, sample: int = 1000) -> float:
    """Seconds save_model's export will take now: the export and a parity check on `sample` images, timed and extrapolated."""
    images, description = parity_images(data_dir)
    begun = time.perf_counter()
    onnx_bytes = to_onnx(net)
    exported = time.perf_counter()
    try:
        check_parity(net, onnx_bytes, images[:sample], description)
    except ExportError:
        pass  # an untrained network's near-equal probabilities may differ in argmax: only the time counts here
    return exported - begun + (time.perf_counter() - exported) * len(images) / min(sample, len(images))


def write_onnx_form(sidecar: Path, onnx_bytes: bytes, card: dict, parity: dict, source: Path | None) -> Path:
    """Write NAME.onnx then NAME.json (each atomically: the description is the last thing to appear)."""
    sidecar = Path(sidecar).with_suffix(".json")
    onnx_path = sidecar.with_suffix(".onnx")
    write_atomic(onnx_path, onnx_bytes)
    document = {
        "format": engine.FORMAT, "version": engine.VERSION,
        "card": validate_card(card),
        "onnx": {"file": onnx_path.name, "bytes": len(onnx_bytes), "sha256": hashlib.sha256(onnx_bytes).hexdigest()},
        "source": {"file": source.name, "sha256": engine.file_sha256(source)} if source else {},
        "parity": parity,
    }
    write_atomic(sidecar, (json.dumps(document, indent=1) + "\n").encode())
    return sidecar


def export(net: nn.Module, card: dict, sidecar: Path, source: Path | None, data_dir: str | Path | None,
           say: Callable[[str], None] = lambda message: None) -> Path:
    """Export, check against PyTorch, then write the ONNX form; returns the .json path."""
    say("exporting to ONNX")
    onnx_bytes = to_onnx(net)
    images, description = parity_images(data_dir)
    say(f"checking ONNX Runtime against PyTorch on {description}")
    parity = check_parity(net, onnx_bytes, images, description)
    return write_onnx_form(sidecar, onnx_bytes, card, parity, source)


def save_model(path: str | Path, net: nn.Module, arch: str, card: dict, data_dir: str | Path | None) -> Path:
    """Save a checkpoint and its checked ONNX form beside it (NAME.pt, NAME.onnx, NAME.json)."""
    path = Path(path)
    checkpoint.save(path, net, arch, card)
    return export(net, dict(card, arch=arch), path, path, data_dir)


def convert(path: str | Path, out: str | Path | None = None, data_dir: str | Path | None = None,
            say: Callable[[str], None] = lambda message: None) -> Path:
    """The ONNX form of an existing checkpoint (refused as checkpoint.load refuses it)."""
    path = Path(path)
    say(f"reading {path.name}")
    loaded = checkpoint.load(path)
    return export(loaded.model, dict(loaded.card, arch=loaded.arch), Path(out) if out else path, path, data_dir, say)


def recognizer_of(net: nn.Module, arch: str) -> Recognizer:
    """A Recognizer running this network's ONNX form, held in memory (to evaluate a model before saving it),
    on as many threads as PyTorch uses here: evaluating tens of thousands of images gains from them."""
    return Recognizer(engine.session_from_bytes(to_onnx(net), f"the {arch} being trained", threads=torch.get_num_threads()),
                      {"arch": arch})


def load_recognizer(spec: str | Path, data_dir: str | Path | None = None) -> Recognizer:
    """Recognizer.load, first converting a checkpoint that has no ONNX form yet (torch is here anyway)."""
    try:
        return Recognizer.load(spec)
    except engine.ConversionNeeded as need:
        convert(need.checkpoint, need.target, data_dir)
        return Recognizer.load(spec)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m training.export`; exit 0 done, 2 refused or failed."""
    parser = argparse.ArgumentParser(prog="python -m training.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint", help="an mnist-pad checkpoint (.pt)")
    parser.add_argument("--out", default=None, help="the .json to write (its .onnx goes beside); default: beside the checkpoint")
    parser.add_argument("--data-dir", default=str(paths.mnist_cache_dir()), help="folder holding MNIST/raw for the parity check")
    parser.add_argument("--progress", choices=["text", "json"], default="text", help="one JSON object per line for the app")
    args = parser.parse_args(argv)

    def emit(event: str, **fields) -> None:
        if args.progress == "json":
            print(json.dumps({"event": event, **fields}), flush=True)
        else:
            print(fields.get("message") or fields.get("path"), file=sys.stderr if event == "error" else sys.stdout, flush=True)

    torch.set_num_threads(1)  # run beside the app: leave the other cores to it
    try:
        sidecar = convert(args.checkpoint, args.out, args.data_dir, lambda message: emit("stage", message=message))
    except (checkpoint.CheckpointError, engine.ModelError, ExportError, OSError, ValueError) as error:
        emit("error", message=str(error))
        return 2
    emit("done", path=str(sidecar.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
