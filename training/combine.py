"""Average two trained models: `python -m training.combine A.pt B.pt --out robust.pt`.

The members are networks of different recipes (or seeds), each trained by `python -m training`;
the result is one model (architecture `padnet4x2`) whose probabilities are the members' average,
saved like any other: the checkpoint, then its ONNX form checked against PyTorch on MNIST's test
set. Its card keeps each member's recipe, so the recipe can be reproduced and cross-validated
(training/cross_validate.py trains each member's fold model, then combines them).

Members are read as every checkpoint is (mnist_pad.checkpoint: no pickled code runs).
"""
from __future__ import annotations

import argparse
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

from mnist_pad import checkpoint, model as models, paths
from mnist_pad.preprocess import PREPROCESS_VERSION

from . import export

ENSEMBLES = {("padnet4", "padnet4"): "padnet4x2"}  # the members' architectures -> the ensemble's


class CombineError(Exception):
    """Members that cannot be combined; the message says why."""


def combine(members: list[str | Path], out: str | Path, data_dir: str | Path | None = None,
            argv: list[str] | None = None) -> Path:
    """Combine the checkpoints into one averaged model at `out` (with its ONNX form); returns the .json path."""
    loaded = [checkpoint.load(path) for path in members]
    arch = ENSEMBLES.get(tuple(member.arch for member in loaded))
    if arch is None:
        known = ", ".join(" + ".join(pair) for pair in ENSEMBLES)
        raise CombineError(f"cannot combine {' + '.join(m.arch for m in loaded)} models (this version combines {known})")
    versions = {member.card.get("preprocess_version") for member in loaded}
    if len(versions) > 1:
        raise CombineError("the members were trained for different preprocessing versions: retrain the older one")
    net = models.build(arch)
    for slot, member in zip(net.members, loaded):
        slot.load_state_dict(member.model.state_dict())
    net.eval()
    command = argv if argv is not None else [*map(str, members), "--out", str(out)]
    cards = [member.card for member in loaded]
    card = {
        "name": Path(out).stem,
        "description": _description(cards),
        "arch": arch,
        "recipe": {"command": "python -m training.combine " + shlex.join(command),
                   "seed": cards[0].get("recipe", {}).get("seed"),
                   "members": [c.get("recipe", {}) for c in cards]},
        "members": [{"file": Path(path).name, "weights_sha256": c.get("weights_sha256"), "figures": c.get("figures", {})}
                    for path, c in zip(members, cards)],
        "training_data": cards[0].get("training_data", []),
        "trained_on": cards[0].get("trained_on"),
        "figures": {},
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "preprocess_version": versions.pop() if versions != {None} else PREPROCESS_VERSION,
    }
    return export.save_model(out, net, arch, card, data_dir)


def _description(cards: list[dict]) -> str:
    """What the combined model is, in words: each member's recipe options, and what they share."""
    from .cross_validate import recipe_options  # (which imports this module)

    options = " and ".join(f"`{shlex.join(recipe_options(card))}`" for card in cards)
    descriptions = {card.get("description", card.get("arch", "?")) for card in cards}
    return (f"the average of two networks trained apart ({options}); each: {descriptions.pop()}" if len(descriptions) == 1
            else f"the average of two networks trained apart: {'; and '.join(sorted(descriptions))}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="python -m training.combine", description=__doc__.split("\n\n")[0])
    parser.add_argument("members", nargs=2, metavar="CHECKPOINT", help="the two trained models (.pt)")
    parser.add_argument("--out", required=True, help="where to save the combined checkpoint (its .onnx and .json beside it)")
    parser.add_argument("--data-dir", default=None, help="folder holding MNIST/raw, for the ONNX parity check on its test set")
    args = parser.parse_args(argv)
    if paths.is_shipped(args.out):
        parser.error(f"--out {args.out} would overwrite a model shipped with the app; choose another path")
    try:
        sidecar = combine(args.members, args.out, args.data_dir, argv)
    except (checkpoint.CheckpointError, CombineError, export.ExportError, OSError) as error:
        print(f"training.combine: {error}", file=sys.stderr)
        return 2
    print(f"saved {args.out} and its ONNX form {sidecar.with_suffix('.onnx').name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
