"""The non-digit detector: the probability that a 28x28 input is a letter, symbol, scribble or crossed-out digit.

A tiny ConvNet trained apart from the digit models (`python -m training.train_nondigit`) on MNIST and
pen digits of the training writers against generated non-digits (training/nondigits.py), shipped as
ONNX (resources/models/nondigit.onnx, its card beside it in nondigit.json) and run by ONNX Runtime,
so the app needs no PyTorch for it. The digit model's softmax alone cannot do this: it gives letters
and scribbles a digit at high confidence (see `python -m training.evaluate_confidence`).
"""
from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import numpy as np

FILE_NAME, CARD_NAME = "nondigit.onnx", "nondigit.json"


class DetectorError(RuntimeError):
    """The non-digit detector's file is missing or unreadable."""


def shipped_path() -> Path:
    """Where the shipped detector lies (package resources)."""
    return Path(str(resources.files("mnist_pad.resources.models").joinpath(FILE_NAME)))


class NotADigitDetector:
    """Runs the exported detector on batches of 28x28 uint8 images (the MNIST-form inputs the digit model sees)."""

    def __init__(self, path: os.PathLike | str):
        import onnxruntime  # imported here: a process that never reads a drawing never pays for it

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # a few thousand weights: threads cost more than they save
        options.enable_cpu_mem_arena = False  # as the digit models' sessions (engine.session_from_bytes)
        try:
            self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime raises its own exception types for missing or bad files
            raise DetectorError(f"cannot load the non-digit detector {path}: {error}") from None
        self.input_name = self.session.get_inputs()[0].name
        card_path = Path(path).with_suffix(".json")
        self.card = json.loads(card_path.read_text()) if card_path.exists() else {}

    @classmethod
    def load(cls, path: os.PathLike | str | None = None) -> "NotADigitDetector":
        """The shipped detector, or one at `path`."""
        return cls(path if path is not None else shipped_path())

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """P(not a digit) (N,) for uint8 images (N, 28, 28); an all-black image (nothing drawn) gives 0."""
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"expected images of shape (N, 28, 28), got {images.shape}")
        result = np.zeros(len(images), np.float32)
        drawn = images.reshape(len(images), -1).any(axis=1)
        if drawn.any():
            batch = images[drawn].astype(np.float32)[:, None] / 255.0
            (logit,) = self.session.run(None, {self.input_name: batch})
            result[drawn] = 1.0 / (1.0 + np.exp(-logit.reshape(-1).astype(np.float64)))
        return result
