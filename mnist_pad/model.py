"""The ConvNets. Each takes float images (N, 1, 28, 28) in [0, 1] and returns logits (N, 10).

MNIST's mean/std normalisation lives inside the model, so every caller feeds plain [0, 1] pixels.
"""
from __future__ import annotations

import torch
from torch import nn

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


class Normalize(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - MNIST_MEAN) / MNIST_STD


class TutorialNet(nn.Module):
    """The seed tutorials' ConvNet: conv 10@5x5 -> pool -> conv 20@3x3 -> fc 500 -> fc 10."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            Normalize(),
            nn.Conv2d(1, 10, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(10, 20, 3), nn.ReLU(),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(20 * 10 * 10, 500), nn.ReLU(), nn.Linear(500, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class PadNet(nn.Module):
    """The default: conv 32@5x5 -> pool -> conv 64@3x3 -> pool -> fc 256 -> fc 10, with dropout.

    Chosen for the CPU: about 4,000 training images/s on 2 cores and ~0.5 ms per drawing.
    """

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            Normalize(),
            nn.Conv2d(1, 32, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2),   # 12x12
            nn.Conv2d(32, 64, 3), nn.ReLU(inplace=True), nn.MaxPool2d(2),  # 5x5
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 5 * 5, 256), nn.ReLU(inplace=True),
            nn.Dropout(0.3), nn.Linear(256, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def _conv_bn(inputs: int, outputs: int) -> list[nn.Module]:
    """A 3x3 convolution, batch norm (folded into the convolution in the exported ONNX form) and ReLU."""
    return [nn.Conv2d(inputs, outputs, 3, bias=False), nn.BatchNorm2d(outputs), nn.ReLU(inplace=True)]


class PadNet4(nn.Module):
    """Four 3x3 convolutions with batch norm: 32, 32 -> pool -> 64, 64 -> pool -> fc 128 -> fc 10, with dropout.

    Fewer weights than PadNet (198k) but deeper and more accurate; ~0.2 ms per image in ONNX Runtime on one core.
    """

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            Normalize(),
            *_conv_bn(1, 32), *_conv_bn(32, 32), nn.MaxPool2d(2),   # 12x12
            *_conv_bn(32, 64), *_conv_bn(64, 64), nn.MaxPool2d(2),  # 4x4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 4 * 4, 128), nn.ReLU(inplace=True),
            nn.Dropout(0.3), nn.Linear(128, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class Ensemble(nn.Module):
    """Networks trained apart, their probabilities averaged; returns the log of the average, so a
    softmax of it (as the exported form applies) is the average itself.

    Made by `python -m training.combine`, not trained as one: each member has its own recipe.
    """

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        average = torch.stack([torch.softmax(member(x), dim=1) for member in self.members]).mean(dim=0)
        return torch.log(average.clamp_min(1e-30))


ARCHITECTURES = {
    "padnet": PadNet,
    "padnet4": PadNet4,
    "padnet4x2": lambda: Ensemble([PadNet4(), PadNet4()]),  # two padnet4 of different recipes, averaged
    "tutorial": TutorialNet,
}


def build(arch: str) -> nn.Module:
    """A freshly initialised model of a named architecture."""
    try:
        return ARCHITECTURES[arch]()
    except KeyError:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)}") from None
