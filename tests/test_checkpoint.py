"""Checkpoints: round trip, and every kind of bad or hostile file refused with a clear message."""
from __future__ import annotations

import os
import pickle

import pytest
import torch

from mnist_pad import checkpoint, model
from mnist_pad.checkpoint import CheckpointError


class _Payload:
    """Unpickling this runs os.system: the test proves it never happens."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("arch", sorted(model.ARCHITECTURES))
def test_round_trip_keeps_weights_and_card(tmp_path, arch):
    net = model.build(arch)
    if arch == "padnet4":  # batch norm: running statistics and its integer step counter travel too
        net.train()(torch.rand(8, 1, 28, 28))
    path = tmp_path / "m.pt"
    checkpoint.save(path, net, arch, {"name": "mine", "figures": {"mnist_test_accuracy": 0.99}})
    loaded = checkpoint.load(path)
    assert loaded.arch == arch and loaded.card["name"] == "mine"
    assert loaded.card["figures"]["mnist_test_accuracy"] == 0.99
    for key, value in net.state_dict().items():
        assert torch.equal(value, loaded.model.state_dict()[key])
    assert not loaded.model.training
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"], "no temp file left behind"


@pytest.mark.parametrize("via", ["torch", "pickle"])
def test_hostile_pickle_is_refused_and_does_not_run(tmp_path, via):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    payload = {"format": "mnist-pad", "version": 1, "arch": "padnet", "state_dict": {}, "card": _Payload(marker)}
    if via == "torch":
        torch.save(payload, path)
    else:
        path.write_bytes(pickle.dumps(payload, protocol=2))
    with pytest.raises(CheckpointError, match="refused: it would run code") as error:
        checkpoint.load(path)
    assert str(path) in str(error.value)
    assert not marker.exists(), "the pickled code ran"


def _save_raw(path, **overrides):
    payload = {"format": "mnist-pad", "version": 1, "arch": "padnet",
               "state_dict": model.build("padnet").state_dict(), "card": {}}
    payload.update(overrides)
    torch.save(payload, path)
    return path


def test_bad_files_raise_one_typed_error_naming_the_file(tmp_path):
    good = tmp_path / "good.pt"
    checkpoint.save(good, model.build("padnet"), "padnet", {})
    cases = {
        "empty.pt": (lambda p: p.write_bytes(b""), "empty"),
        "random.pt": (lambda p: p.write_bytes(os.urandom(4096)), "not a readable"),
        "truncated.pt": (lambda p: p.write_bytes(good.read_bytes()[: good.stat().st_size // 2]), "not a readable"),
        "text.pt": (lambda p: p.write_text("hello"), "not a readable"),
        "foreign.pt": (lambda p: torch.save(model.build("padnet").state_dict(), p), "not an mnist-pad checkpoint"),
        "other_arch.pt": (lambda p: _save_raw(p, arch="resnet152"), "unknown architecture"),
        "wrong_shapes.pt": (lambda p: _save_raw(p, state_dict=model.build("tutorial").state_dict()), "do not fit"),
        "version.pt": (lambda p: _save_raw(p, version=99), "version"),
    }
    for name, (make, reason) in cases.items():
        path = tmp_path / name
        make(path)
        with pytest.raises(CheckpointError, match=reason) as error:
            checkpoint.load(path)
        assert str(path) in str(error.value), name


def test_nan_weights_missing_file_and_folder_are_refused(tmp_path):
    net = model.build("padnet")
    with torch.no_grad():
        next(net.parameters()).fill_(float("nan"))
    checkpoint.save(tmp_path / "nan.pt", net, "padnet", {})
    with pytest.raises(CheckpointError, match="NaN"):
        checkpoint.load(tmp_path / "nan.pt")
    with pytest.raises(CheckpointError, match="no such file"):
        checkpoint.load(tmp_path / "missing.pt")
    with pytest.raises(CheckpointError, match="folder"):
        checkpoint.load(tmp_path)


def test_integer_tensors_other_than_the_batch_norm_counter_are_refused(tmp_path):
    net = model.build("padnet4")
    state = dict(net.state_dict())
    counter = next(name for name in state if name.endswith("num_batches_tracked"))
    state[counter] = torch.tensor([1, 2])  # the right name, but not a plain counter
    payload = {"format": checkpoint.FORMAT, "version": checkpoint.VERSION, "arch": "padnet4", "state_dict": state}
    torch.save(payload, tmp_path / "odd.pt")
    with pytest.raises(CheckpointError, match="num_batches_tracked"):
        checkpoint.load(tmp_path / "odd.pt")


def test_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    checkpoint.save(path, model.build("padnet"), "padnet", {"name": "old"})
    before = path.read_bytes()

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        checkpoint.save(path, model.build("padnet"), "padnet", {"name": "new"})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]
