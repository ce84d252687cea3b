"""The Recognizer: the one public entry from strokes or pictures to ten probabilities.

The GUI, the CLI, the benchmarks and the evaluation all go through it, so the pixels the
model sees are always made the same way: rasterize -> to_mnist -> ConvNet (run by ONNX Runtime,
see mnist_pad.engine; PyTorch stays in training). Only a sweep over brush widths (the thin -> thick
chart) makes its images another, cheaper way, close to those (mnist_pad.width_sweep). Probabilities
are calibrated by the temperature in the model card; `read_*` also says "unsure" or "not a digit".
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
import onnxruntime as ort

from . import confidence, engine, nondigit, number_pictures, numbers, paths, width_sweep
from .drawing import Strokes
from .picture import SeveralDigitsError, ink_from_picture
from .preprocess import EMPTY, MnistInput, to_mnist
from .raster import CANVAS_SIZE, rasterize

# The images here are small (28x28 to a 280 px canvas): OpenCV's thread pool costs more than it saves
# on them (to_mnist takes ~40% less CPU without it) and its workers would compete with the UI thread.
cv2.setNumThreads(1)


def prepare_strokes(strokes: Strokes, brush_width: float = 12.0, canvas_size: int = CANVAS_SIZE) -> MnistInput:
    """The 28x28 image any model sees for strokes at a brush width (no model needed: worker processes call it)."""
    return to_mnist(rasterize(strokes, brush_width, canvas_size))


def prepare_picture(gray: np.ndarray) -> MnistInput:
    """The 28x28 image any model sees for a picture (grey uint8, either polarity, any size)."""
    return to_mnist(ink_from_picture(gray)) if np.asarray(gray).size else EMPTY


class Recognizer:
    """A loaded model plus the preprocessing it expects. Use it from one thread at a time (in the app,
    the inference worker owns it): its calls share one ONNX Runtime session sized for one caller."""

    device = "cpu"

    def __init__(self, session: ort.InferenceSession, card: dict | None = None, source: str = ""):
        self.session = session
        self.card = card or {}
        self.arch = str(self.card.get("arch", ""))
        self.source = source  # the model file asked for (a checkpoint, or its ONNX form)
        self.temperature = confidence.card_temperature(self.card)  # 1.0 when the card has no calibration
        self._not_a_digit_detector = None  # loaded on the first read_*: see mnist_pad.nondigit

    @classmethod
    def load(cls, path: os.PathLike | str | None = None, threads: int | None = None) -> "Recognizer":
        """The shipped default model, a shipped model by name ('robust', 'plain') or a model file, run
        on `threads` ONNX Runtime threads (engine.default_threads(), two on a machine with two cores, when None).

        A file is a checkpoint (.pt) whose ONNX form exists (else engine.ConversionNeeded), or
        the ONNX form itself (.onnx or its .json). Any other problem raises engine.ModelError.
        """
        if path is None:
            path = paths.DEFAULT_MODEL
        if isinstance(path, str) and path in paths.SHIPPED_MODELS:
            path = paths.shipped_model(path)
            model = engine.read_sidecar(path.with_suffix(".json"))
        elif Path(path).suffix in (".onnx", ".json"):
            model = engine.read_sidecar(Path(path).with_suffix(".json"))
        else:
            model = engine.converted_form(path)
        return cls(engine.create_session(model, threads), model.card, str(path))

    @property
    def name(self) -> str:
        """A short name for this model: the card's, else the file's."""
        return str(self.card.get("name") or Path(self.source).stem or self.arch)

    # -- preparing inputs ---------------------------------------------------------------
    def prepare_strokes(self, strokes: Strokes, brush_width: float = 12.0, canvas_size: int = CANVAS_SIZE) -> MnistInput:
        """The 28x28 image the model sees for these strokes at this brush width."""
        return prepare_strokes(strokes, brush_width, canvas_size)

    def prepare_image(self, gray: np.ndarray) -> MnistInput:
        """The 28x28 image the model sees for a picture (grey uint8, either polarity, any size)."""
        return prepare_picture(gray)

    # -- predicting -----------------------------------------------------------------------
    def predict_inputs(self, inputs: Sequence[MnistInput]) -> np.ndarray:
        """Calibrated probabilities (N, 10) for prepared inputs (the card's temperature applied); an empty input gives a row of zeros."""
        result = np.zeros((len(inputs), 10), np.float32)
        drawn = [i for i, item in enumerate(inputs) if not item.empty]
        if drawn:
            batch = np.stack([inputs[i].image for i in drawn])[:, None]
            result[drawn] = self._probabilities(batch.astype(np.float32) / 255.0)
        return result

    def predict_strokes(self, strokes: Strokes, brush_width: float = 12.0, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
        """Probabilities (10,) summing to 1; all zeros when nothing is drawn."""
        return self.predict_inputs([self.prepare_strokes(strokes, brush_width, canvas_size)])[0]

    def predict_strokes_batch(self, drawings: Sequence[Strokes], brush_width: float = 12.0, canvas_size: int = CANVAS_SIZE) -> np.ndarray:
        """Probabilities (N, 10), one row per drawing."""
        return self.predict_inputs([self.prepare_strokes(s, brush_width, canvas_size) for s in drawings])

    def sweep(self, strokes: Strokes, widths: Sequence[float], canvas_size: int = CANVAS_SIZE) -> np.ndarray:
        """Probabilities (len(widths), 10): the same strokes at each brush width, one batch (the images from
        prepare_sweep: close to predict_strokes at each width, not always equal to it)."""
        return self.predict_inputs(self.prepare_sweep(strokes, widths, canvas_size))

    def prepare_sweep(self, strokes: Strokes, widths: Sequence[float], canvas_size: int = CANVAS_SIZE) -> list[MnistInput]:
        """The images the model sees for these strokes at each brush width (the same for every model), all
        made at once from the drawing's distance field: about one grey level from prepare_strokes' images
        on average (see mnist_pad.width_sweep), at a quarter of their cost."""
        return width_sweep.sweep_inputs(strokes, widths, canvas_size)

    def read_number(self, strokes: Strokes, brush_width: float = 12.0, canvas_size: int | tuple[int, int] = CANVAS_SIZE,
                    boundaries: Sequence[float] | None = None) -> "numbers.NumberReading":
        """Read strokes as a number (see mnist_pad.numbers); `canvas_size` is a side or (width, height)."""
        return numbers.read_number(self, strokes, brush_width, canvas_size, boundaries)

    def read_picture_number(self, gray: np.ndarray) -> "numbers.NumberReading":
        """Read a picture (grey uint8, either polarity) as a number: blobs of ink grouped into digits."""
        return number_pictures.read_picture_number(self, gray)

    def predict_image(self, gray: np.ndarray) -> np.ndarray:
        """Probabilities (10,) for a picture of a digit; all zeros for a blank picture."""
        return self.predict_inputs([self.prepare_image(gray)])[0]

    def predict_mnist(self, images: np.ndarray) -> np.ndarray:
        """Probabilities (N, 10) for uint8 images (N, 28, 28) already in MNIST form."""
        return self._probabilities(self._mnist_batch(images))

    def logits_mnist(self, images: np.ndarray) -> np.ndarray:
        """Raw logits (N, 10) before calibration for uint8 images (N, 28, 28) in MNIST form."""
        return self._logits(self._mnist_batch(images))

    @staticmethod
    def _mnist_batch(images: np.ndarray) -> np.ndarray:
        images = np.asarray(images)
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise ValueError(f"expected uint8 images of shape (N, 28, 28), got {images.shape}")
        if images.dtype.kind not in "uif":
            raise ValueError(f"expected images of real numbers (uint8), got {images.dtype}")
        if images.dtype != np.uint8 and images.size and not (np.isfinite(images).all() and 0 <= images.min() and images.max() <= 255):
            raise ValueError("expected finite pixel values from 0 to 255 (uint8)")
        return images.astype(np.float32)[:, None] / 255.0

    def logits_inputs(self, inputs: Sequence[MnistInput]) -> np.ndarray:
        """Raw logits (N, 10) before calibration, for fitting a temperature; an empty input gives a row of zeros."""
        result = np.zeros((len(inputs), 10), np.float32)
        drawn = [i for i, item in enumerate(inputs) if not item.empty]
        if drawn:
            result[drawn] = self._logits(np.stack([inputs[i].as_float() for i in drawn])[:, None])
        return result

    # -- reading: digit, unsure, or not a digit (mnist_pad.confidence) ----------------------
    def read_inputs(self, inputs: Sequence[MnistInput]) -> list[confidence.Reading]:
        """A Reading per prepared input: calibrated probabilities, unsure with candidates, or not a digit."""
        probabilities = self.predict_inputs(inputs)
        not_digit = self.not_a_digit_detector().probabilities(np.stack([item.image for item in inputs])) if inputs else []
        return [confidence.read(p, float(q)) for p, q in zip(probabilities, not_digit)]

    def read_strokes(self, strokes: Strokes, brush_width: float = 12.0, canvas_size: int = 280) -> confidence.Reading:
        """The Reading of one drawing at a brush width."""
        return self.read_inputs([self.prepare_strokes(strokes, brush_width, canvas_size)])[0]

    def read_image(self, gray: np.ndarray) -> confidence.Reading:
        """The Reading of a picture of one digit (grey uint8, either polarity, any size)."""
        return self.read_inputs([self.prepare_image(gray)])[0]

    def read_picture(self, gray: np.ndarray) -> tuple[np.ndarray, confidence.Reading | numbers.NumberReading]:
        """What the app shows for an opened picture: the 28x28 image the model saw and its Reading, or,
        when the picture holds several digits, the NumberReading of them (with an all-black image).

        Several digits are told by the one-digit reading refusing the picture (SeveralDigitsError), or
        calling it no digit where the number reading finds two or more marks, every one of them a digit
        (a number written with close or touching digits reaches the one-digit reading as one blob; a
        blurred 16 px scan of one digit splits into a digit and a non-digit, and stays no digit)."""
        try:
            prepared = self.prepare_image(gray)
        except SeveralDigitsError:
            return EMPTY.image.copy(), self.read_picture_number(gray)
        reading = self.read_inputs([prepared])[0]
        number = self.touching_digits(gray) if reading.not_a_digit else None
        if number is not None:
            return EMPTY.image.copy(), number
        return prepared.image, reading

    def touching_digits(self, gray: np.ndarray) -> numbers.NumberReading | None:
        """For a picture the one-digit reading called no digit: its NumberReading when the number reading
        finds two or more marks, every one of them a digit; None otherwise (see read_picture)."""
        number = self.read_picture_number(gray)
        if len(number.digits) >= 2 and not any(digit.not_a_digit for digit in number.digits):
            return number
        return None

    def not_a_digit_detector(self) -> "nondigit.NotADigitDetector":
        """The shipped non-digit detector, loaded once (it runs on ONNX Runtime, whatever engine this model uses)."""
        if self._not_a_digit_detector is None:
            self._not_a_digit_detector = nondigit.NotADigitDetector.load()
        return self._not_a_digit_detector

    def _probabilities(self, batch: np.ndarray) -> np.ndarray:
        probabilities = engine.run(self.session, batch)
        if self.temperature == 1.0:
            return probabilities
        return confidence.softmax(self._log_probabilities(probabilities), self.temperature)

    def _logits(self, batch: np.ndarray) -> np.ndarray:
        return self._log_probabilities(engine.run(self.session, batch))

    @staticmethod
    def _log_probabilities(probabilities: np.ndarray) -> np.ndarray:
        # The ONNX form ends in a softmax: log-probabilities are the logits less a constant per row,
        # which neither a softmax nor a temperature fitted on it can tell apart.
        return np.log(np.maximum(probabilities, np.finfo(np.float32).tiny))
