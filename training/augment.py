"""Batch augmentation on tensors: stroke thickness, then the MNIST re-fit, with small affine jitter.

The model's input is made by mnist_pad.preprocess.to_mnist: the ink's bounding box is re-fitted to
20 px, centred by centre of mass, and stretched to full intensity. So a thick brush gives ~4-5 px
strokes after the re-fit and a thin one a ~1 px full-intensity trace. Augmented batches go through
the same re-fit here, so training sees that whole range.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from mnist_pad.preprocess import BOX, INK_THRESHOLD, SIZE

INK = INK_THRESHOLD / 255  # on images scaled to 0-1
# Signed kernel sizes of grey-level morphology at twice the resolution: -5 thins a stroke by about
# 2 px at 28x28, +9 thickens it by about 4 px, 0 leaves it. About a third of the images are
# thinned (thin pens were misread most) and half thickened.
MORPH_KERNELS = (-5, -3, 0, 3, 5, 7, 9)
THICKNESS_WEIGHTS = (0.15, 0.2, 0.2, 0.15, 0.1, 0.1, 0.1)
CLEAN_SHARE = 0.25  # this share of each batch stays untouched MNIST, which keeps MNIST test accuracy up
MODES = ("none", "thickness", "full")


def morph(images: torch.Tensor, kernel: int) -> torch.Tensor:
    """Grey dilation (kernel > 0) or erosion (kernel < 0) of (N, 1, 28, 28) images, at 2x resolution."""
    if kernel == 0:
        return images
    large = F.interpolate(images, scale_factor=2, mode="bilinear", align_corners=False)
    combine = torch.maximum if kernel > 0 else torch.minimum
    # A square window is a row window after a column window; shifted slices beat max_pool2d on CPU.
    return F.avg_pool2d(_filter(_filter(large, abs(kernel), 2, combine), abs(kernel), 3, combine), 2)


def _filter(images: torch.Tensor, size: int, dim: int, combine) -> torch.Tensor:
    length, half = images.shape[dim], size // 2
    padding = (half, half, 0, 0) if dim == 3 else (0, 0, half, half)
    padded = F.pad(images, padding)
    result = padded.narrow(dim, 0, length)
    for offset in range(1, size):
        result = combine(result, padded.narrow(dim, offset, length))
    return result


def vary_thickness(images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """Thin or thicken each image by a random amount; an image a thinning would erase stays as it was."""
    weights = torch.tensor(THICKNESS_WEIGHTS)
    choice = torch.multinomial(weights, len(images), replacement=True, generator=generator)
    result = images.clone()
    for index, kernel in enumerate(MORPH_KERNELS):
        picked = (choice == index).nonzero().flatten().to(images.device)  # found on the CPU: no wait for a GPU
        if kernel != 0 and len(picked):
            before = images[picked]
            changed = morph(before, kernel)
            alive = changed.amax(dim=(1, 2, 3), keepdim=True) > 0.25
            result[picked] = torch.where(alive, changed, before)
    return result


def refit(images: torch.Tensor, rotation_deg: float = 0.0, scale: float = 0.0, shear: float = 0.0,
          shift_px: float = 0.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Re-fit each image like to_mnist (longer side of the ink box to 20 px, centre of mass at the
    centre, peak at 1), optionally with random rotation, scale, shear and shift drawn uniformly."""
    n, device = len(images), images.device
    flat = images[:, 0]
    ink = flat > INK
    rows, cols = ink.any(dim=2), ink.any(dim=1)
    index = torch.arange(SIZE, device=device)
    big = SIZE * 2
    top = torch.where(rows, index, big).amin(dim=1)
    bottom = torch.where(rows, index, -1).amax(dim=1)
    left = torch.where(cols, index, big).amin(dim=1)
    right = torch.where(cols, index, -1).amax(dim=1)
    extent = torch.maximum(bottom - top + 1, right - left + 1).clamp(min=1).float()
    mass = flat.sum(dim=(1, 2)).clamp(min=1e-6)
    centre_x = (flat.sum(dim=1) * index).sum(dim=1) / mass
    centre_y = (flat.sum(dim=2) * index).sum(dim=1) / mass

    def uniform(half_range: float) -> torch.Tensor:
        return (torch.rand(n, generator=generator) * 2 - 1).to(device) * half_range

    zoom = BOX / extent * (1 + uniform(scale))
    angle = uniform(math.radians(rotation_deg))
    skew = uniform(shear)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # Forward map (source pixel -> output pixel): zoom * rotation * shear; grid_sample wants its inverse.
    a, b, c, d = cos * zoom, (cos * skew - sin) * zoom, sin * zoom, (sin * skew + cos) * zoom
    determinant = a * d - b * c  # zoom squared: never 0
    # The 2x2 inverse written out (torch.linalg.inv would make a GPU wait to check for singular matrices).
    inverse = torch.stack([torch.stack([d, -b], dim=1), torch.stack([-c, a], dim=1)], dim=1) / determinant[:, None, None]
    centre = torch.stack([centre_x, centre_y], dim=1) - torch.stack([uniform(shift_px), uniform(shift_px)], dim=1)
    # Pixel index p and normalised coordinate u (align_corners=False): u = (2p + 1) / SIZE - 1.
    offset = -inverse.sum(dim=2) / SIZE + (2 * centre + 1) / SIZE - 1
    theta = torch.cat([inverse, offset[:, :, None]], dim=2)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    warped = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    peak = warped.amax(dim=(1, 2, 3), keepdim=True)
    has_ink = (ink.flatten(1).any(dim=1))[:, None, None, None]
    return torch.where(has_ink & (peak > 0), warped / peak.clamp(min=1e-6), images)


def augment(images: torch.Tensor, mode: str, generator: torch.Generator | None = None) -> torch.Tensor:
    """Augment a float batch (N, 1, 28, 28) in [0, 1]: mode 'none', 'thickness' or 'full'.

    A share of each batch (CLEAN_SHARE) is left exactly as it is, so the model keeps seeing
    MNIST's own digits; the rest is thinned or thickened, re-fitted, and in 'full' also jittered.
    """
    if mode == "none":
        return images
    if mode not in MODES:
        raise ValueError(f"unknown augmentation {mode!r}; choose {', '.join(MODES)}")
    touched = (torch.rand(len(images), generator=generator) >= CLEAN_SHARE).nonzero().flatten().to(images.device)
    changed = vary_thickness(images[touched], generator)
    if mode == "thickness":
        changed = refit(changed, generator=generator)
    else:
        changed = refit(changed, rotation_deg=12, scale=0.12, shear=0.25, shift_px=1.0, generator=generator)
    result = images.clone()
    result[touched] = changed
    return result
