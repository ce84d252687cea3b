"""Batch augmentation: order (hence labels) kept, thickness moves the intended way, re-fit like to_mnist."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from mnist_pad.preprocess import centre_of_mass, to_mnist
from mnist_pad.raster import rasterize
from training import augment


def digit_batch() -> torch.Tensor:
    """A few different drawn shapes through the real preprocessing, as a float batch."""
    shapes = [
        [[(140, 40), (140, 240)]],                                   # 1
        [[(90, 60), (190, 60), (120, 240)]],                         # 7
        [[(100, 60), (180, 60), (180, 240), (100, 240), (100, 60)]],  # 0-ish box
        [[(80, 150), (200, 150)], [(140, 40), (140, 240)]],          # plus
    ]
    images = [to_mnist(rasterize(s, 14)).image for s in shapes]
    return torch.from_numpy(np.stack(images)).float()[:, None] / 255


@pytest.mark.parametrize("mode", ["thickness", "full"])
def test_augmented_images_stay_in_place_so_labels_still_fit(mode):
    batch = digit_batch().repeat(8, 1, 1, 1)
    out = augment.augment(batch, mode, torch.Generator().manual_seed(1))
    assert out.shape == batch.shape and 0 <= out.min() and out.max() <= 1.0001
    originals = batch[:4].flatten(1)
    similarity = torch.nn.functional.normalize(out.flatten(1), dim=1) @ torch.nn.functional.normalize(originals, dim=1).T
    assert (similarity.argmax(1) == torch.arange(len(batch)) % 4).float().mean() >= 0.9


@pytest.mark.parametrize("kernel", [3, 5, 9])
def test_thickening_adds_ink_and_thinning_removes_it(kernel):
    batch = digit_batch()
    mass = batch.sum(dim=(1, 2, 3))
    thick = augment.morph(batch, kernel).sum(dim=(1, 2, 3))
    thin = augment.morph(batch, -min(kernel, 5)).sum(dim=(1, 2, 3))
    assert (thick > mass * 1.1).all()
    assert (thin < mass * 0.9).all()


def test_thick_strokes_stay_thick_after_the_refit():
    batch = digit_batch()
    refitted = augment.refit(augment.morph(batch, 9))
    assert (refitted.sum(dim=(1, 2, 3)) > batch.sum(dim=(1, 2, 3)) * 1.2).all()


def test_refit_matches_to_mnist_geometry():
    batch = augment.refit(augment.morph(digit_batch(), 7))
    for image in batch[:, 0].numpy():
        ink = np.argwhere(image > 8 / 255)
        extent = (ink.max(axis=0) - ink.min(axis=0) + 1).max()
        assert 19 <= extent <= 22
        assert np.allclose(centre_of_mass(image), (14, 14), atol=0.6)
        assert image.max() == pytest.approx(1.0, abs=1e-4)


def test_none_is_the_identity_and_unknown_modes_are_refused():
    batch = digit_batch()
    assert augment.augment(batch, "none") is batch
    with pytest.raises(ValueError, match="unknown augmentation"):
        augment.augment(batch, "wobbly")
