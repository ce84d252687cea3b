"""Evaluation on the user's own drawings, re-rendered at each brush width (for Accuracy vs brush width)."""
from __future__ import annotations


from mnist_pad import Recognizer, corrections
from training import evaluate

SEVEN = [[(60.0, 60.0), (200.0, 60.0), (120.0, 230.0)]]


def test_drawings_are_scored_per_width_once_there_are_enough(tmp_path, tiny_model_path, capsys):
    recognizer = Recognizer.load(tiny_model_path)
    path = tmp_path / "c.jsonl"
    for _ in range(evaluate.MIN_DRAWINGS - 1):
        corrections.append(path, corrections.make(SEVEN, 7, 12.0, 280))
    figures = evaluate.evaluate_model(recognizer, corrections_file=path)
    assert figures == {"corrections_count": evaluate.MIN_DRAWINGS - 1}
    corrections.append(path, corrections.make(SEVEN, 7, 12.0, 280))
    figures = evaluate.evaluate_model(recognizer, corrections_file=path)
    expected = {w: float(recognizer.predict_strokes(SEVEN, w, 280).argmax() == 7) for w in evaluate.BRUSH_WIDTHS}
    assert {w: figures[f"corrections_w{w}_accuracy"] for w in evaluate.BRUSH_WIDTHS} == expected
    assert evaluate.main(["--model", str(tiny_model_path), "--data-dir", str(tmp_path / "none"),
                          "--corrections", str(path), "--json"]) == 2, "no MNIST there: a clear error"
    assert "error" in capsys.readouterr().err
