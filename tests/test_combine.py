"""Two trained models averaged into one (training/combine.py): what the app runs is their average."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import torch

from mnist_pad import checkpoint, model
from mnist_pad.recognizer import Recognizer
from training import combine, cross_validate, export


def _member(path, seed: int, arch: str = "padnet4", command: str = "python -m training --arch padnet4 --epochs 1"):
    torch.manual_seed(seed)
    net = model.build(arch).eval()
    export.save_model(path, net, arch, {"name": path.stem, "figures": {}, "recipe": {"command": command, "seed": seed}},
                      data_dir=None)
    return path


def test_the_combined_model_gives_the_average_of_its_members(tmp_path):
    a = _member(tmp_path / "a.pt", 1, command="python -m training --arch padnet4 --epochs 1 --out a.pt")
    b = _member(tmp_path / "b.pt", 2, command="python -m training --arch padnet4 --augment none --heldout-writers 1,6")
    sidecar = combine.combine([a, b], tmp_path / "both.pt")
    images = np.random.default_rng(0).integers(0, 256, (32, 28, 28), dtype=np.uint8)
    average = (Recognizer.load(a).predict_mnist(images) + Recognizer.load(b).predict_mnist(images)) / 2
    both = Recognizer.load(sidecar)
    np.testing.assert_allclose(both.predict_mnist(images), average, atol=1e-5)
    assert checkpoint.load(tmp_path / "both.pt").arch == "padnet4x2"
    card = both.card
    assert card["recipe"]["command"].startswith("python -m training.combine")
    assert [m["file"] for m in card["members"]] == ["a.pt", "b.pt"]
    # its recipe is the members' recipes, which cross-validation trains and combines fold by fold
    assert cross_validate.recipe_options(card) == ["--arch", "padnet4", "--epochs", "1", "+", "--arch", "padnet4", "--augment", "none"]
    assert cross_validate.held_out_writers(card) == cross_validate.held_out_writers({"recipe": card["recipe"]["members"][0]})


def test_models_of_other_architectures_are_refused_in_words_and_nothing_is_written(tmp_path):
    a = _member(tmp_path / "a.pt", 1)
    b = _member(tmp_path / "b.pt", 2, arch="tutorial")
    result = subprocess.run([sys.executable, "-m", "training.combine", str(a), str(b), "--out", str(tmp_path / "c.pt")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "cannot combine padnet4 + tutorial models" in result.stderr
    assert not (tmp_path / "c.pt").exists() and not (tmp_path / "c.json").exists()
    hostile = tmp_path / "hostile.pt"
    hostile.write_bytes(b"\x80\x04cos\nsystem\n(S'echo owned'\ntR.")
    result = subprocess.run([sys.executable, "-m", "training.combine", str(a), str(hostile), "--out", str(tmp_path / "c.pt")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "hostile.pt" in result.stderr and "owned" not in result.stdout
    assert not (tmp_path / "c.pt").exists()


def test_a_shipped_model_is_never_overwritten_and_a_missing_member_is_named(tmp_path):
    from mnist_pad import paths
    a = _member(tmp_path / "a.pt", 1)
    shipped = paths.shipped_model("robust")
    before = shipped.read_bytes()
    result = subprocess.run([sys.executable, "-m", "training.combine", str(a), str(a), "--out", str(shipped)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "would overwrite a model shipped with the app" in result.stderr
    assert shipped.read_bytes() == before
    result = subprocess.run([sys.executable, "-m", "training.combine", str(a), str(tmp_path / "gone.pt"), "--out",
                             str(tmp_path / "c.pt")], capture_output=True, text=True)
    assert result.returncode == 2 and "gone.pt: no such file" in result.stderr
