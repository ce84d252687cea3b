"""Honest confidence: temperature fitted, stored in the card and applied; unsure and not-a-digit readings (API, CLI, app)."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mnist_pad import checkpoint, confidence, model
from mnist_pad.card import validate_card
from mnist_pad.cli import main
from mnist_pad.pendigits import PenDigit
from mnist_pad.raster import rasterize
from mnist_pad.recognizer import Recognizer
from training import nondigits

SEVEN = [[(70, 60), (210, 60), (130, 235)]]


def blob_strokes() -> list[np.ndarray]:
    """The first generated filled blob (the generator's sixth drawing)."""
    category, strokes = nondigits.generate(6, nondigits.EVAL_SEED, [PenDigit(7, 0, (np.array(SEVEN[0], float),))])[5]
    assert category == "blob"
    return strokes


def probabilities_with(**digits: float) -> np.ndarray:
    p = np.zeros(10, np.float32)
    for name, value in digits.items():
        p[int(name[1:])] = value
    return p


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 4, (20000, 10))
    truth = confidence.softmax(logits, 2.5).astype(np.float64)
    labels = np.array([rng.choice(10, p=row / row.sum()) for row in truth])
    assert confidence.fit_temperature(logits, labels) == pytest.approx(2.5, rel=0.05)


def test_calibration_figures_measure_what_they_say():
    labels = np.array([0] * 9 + [1])
    sure = np.tile(probabilities_with(p0=0.9, p1=0.1), (10, 1))
    assert confidence.expected_calibration_error(sure, labels) == pytest.approx(0.0, abs=1e-6)
    overconfident = np.tile(probabilities_with(p0=0.99, p1=0.01), (10, 1))
    assert confidence.expected_calibration_error(overconfident, np.array([0] * 5 + [1] * 5)) == pytest.approx(0.49, abs=1e-6)
    assert confidence.confident_wrong_share(overconfident, np.array([0] * 5 + [1] * 5)) == 1.0
    assert confidence.confident_wrong_share(sure, labels) == 0.0


def test_a_reading_says_the_digit_unsure_with_candidates_or_not_a_digit():
    sure = confidence.read(probabilities_with(p7=0.97, p1=0.03))
    assert (sure.digit, sure.unsure, sure.not_a_digit, sure.text) == (7, False, False, "7")
    unsure = confidence.read(probabilities_with(p4=0.55, p9=0.40, p7=0.05))
    assert unsure.unsure and unsure.candidates == (4, 9) and unsure.text == "unsure: 4 or 9?"
    three = confidence.read(probabilities_with(p3=0.4, p5=0.3, p8=0.25, p0=0.05))
    assert three.candidates == (3, 5, 8)
    other = confidence.read(probabilities_with(p7=0.99, p1=0.01), not_a_digit_probability=0.9)
    assert other.not_a_digit and other.digit is None and other.text == "doesn't look like a digit"
    assert confidence.read(np.zeros(10)).text == "nothing drawn"


def save_with_calibration(path, calibration) -> None:
    import torch

    torch.manual_seed(0)
    checkpoint.save(path, model.build("padnet"), "padnet", {"name": "calibrated", "calibration": calibration})


def test_the_card_temperature_is_stored_and_applied(tmp_path, tiny_model_path):
    import torch

    from training import export

    path = tmp_path / "calibrated.pt"
    torch.manual_seed(0)
    card = {"name": "calibrated", "calibration": {"temperature": 2.0, "fitted_on": "a test"}}
    export.save_model(path, model.build("padnet"), "padnet", card, data_dir=None)  # with its ONNX form, as training saves
    calibrated, plain = Recognizer.load(path), Recognizer.load(tiny_model_path)
    assert (calibrated.temperature, plain.temperature) == (2.0, 1.0)
    inputs = [calibrated.prepare_strokes(SEVEN)]
    logits = calibrated.logits_inputs(inputs)
    assert np.allclose(calibrated.predict_inputs(inputs), confidence.softmax(logits, 2.0), atol=1e-6)
    assert not np.allclose(calibrated.predict_inputs(inputs), confidence.softmax(logits, 1.0), atol=1e-4)


@pytest.mark.parametrize("calibration, problem", [
    ({"temperature": "hot", "fitted_on": "x"}, "not a number"),
    ({"temperature": 0.0, "fitted_on": "x"}, "outside"),
    ({"temperature": 1.5}, "fitted on"),
    ([1.5], "not a dictionary"),
])
def test_card_validation_refuses_an_unusable_calibration(tmp_path, calibration, problem):
    with pytest.raises(ValueError, match=problem):
        validate_card({"name": "x", "calibration": calibration})
    path = tmp_path / "bad.pt"
    save_with_calibration(path, calibration)
    with pytest.raises(checkpoint.CheckpointError, match=problem):
        checkpoint.load(path)


def test_the_shipped_detector_flags_non_digits_and_passes_pen_digits(pendigits_file):
    from mnist_pad import pendigits

    recognizer = Recognizer.load("robust")
    digits = [d for d in pendigits.load(pendigits_file) if d.writer in pendigits.EVAL_WRITERS][:60]
    others = nondigits.generate(60, nondigits.EVAL_SEED, digits)
    flagged_others = [recognizer.read_strokes(strokes, 12.0).not_a_digit for _, strokes in others]
    flagged_digits = [recognizer.read_strokes(d.fitted(280), 12.0).not_a_digit for d in digits]
    assert np.mean(flagged_others) >= 0.8 and np.mean(flagged_digits) <= 0.05


def test_the_cli_prints_the_reading(tmp_path, tiny_model_path, capsys):
    path = tmp_path / "blob.png"
    Image.fromarray(255 - rasterize(blob_strokes(), 12, 280)).save(path)
    seven = tmp_path / "seven.png"
    Image.fromarray(255 - rasterize(SEVEN, 16, 280)).save(seven)
    assert main(["predict", str(path), str(seven), "--model", str(tiny_model_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("\treading")
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows[str(path)][-1] == "doesn't look like a digit"
    assert rows[str(seven)][-1].startswith("unsure: ")  # an untrained model is unsure of everything


def test_the_prediction_panel_shows_unsure_and_not_a_digit(qtbot):
    from mnist_pad.ui.results import ResultsPanel

    panel = ResultsPanel((4.0, 50.0))
    qtbot.addWidget(panel)
    image = np.zeros((28, 28), np.uint8)
    image[10:20, 10:20] = 255
    panel.show_result(image, confidence.read(probabilities_with(p4=0.55, p9=0.45)))
    assert panel.prediction.digit.text() == "4" and panel.prediction.confidence.text() == "unsure: 4 or 9?"
    panel.show_result(image, confidence.read(probabilities_with(p8=1.0), not_a_digit_probability=0.95))
    assert panel.prediction.digit.text() == "?"
    assert panel.prediction.confidence.text() == "doesn't look like a digit"
    panel.show_result(image, confidence.read(probabilities_with(p7=0.97, p1=0.03)))
    assert (panel.prediction.digit.text(), panel.prediction.confidence.text()) == ("7", "97% sure")


def test_the_confidence_evaluation_prints_its_tables(shared_data, pendigits_file, capsys):
    """`python -m training.evaluate_confidence` end to end, on a few digits and non-digits."""
    from training import evaluate_confidence

    assert evaluate_confidence.main(["--data-dir", str(shared_data), "--limit", "60", "--count", "12"]) == 0
    out = capsys.readouterr().out
    assert "leave one writer out" in out and "the card's T = " in out
    assert "non-digits flagged" in out and "real digits flagged" in out
