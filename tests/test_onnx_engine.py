"""ONNX Runtime in the app, PyTorch in training: parity, conversion, refusal, listing, batches, no torch."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mnist_pad import engine, model_store
from mnist_pad.cli import main as cli_main
from mnist_pad.raster import rasterize
from mnist_pad.recognizer import Recognizer

ROOT = Path(__file__).resolve().parents[1]


class _Payload:
    """Unpickling this would run a shell command: the tests prove it never happens."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_onnx_runtime_gives_pytorchs_probabilities_on_mnist_test(shared_data):
    import torch

    from mnist_pad import checkpoint, paths
    from training import data

    images, _ = data.load_mnist(shared_data, train=False, download=False)
    sample = images[::10].numpy()  # 1,000 images
    for name in paths.SHIPPED_MODELS:
        net = checkpoint.load(paths.shipped_model(name)).model
        with torch.inference_mode():
            expected = torch.softmax(net(torch.from_numpy(sample).float()[:, None] / 255), dim=1).numpy()
        recognizer = Recognizer.load(name)  # the network's own output, before the card's calibration
        got = engine.run(recognizer.session, sample.astype(np.float32)[:, None] / 255)
        assert (got.argmax(1) == expected.argmax(1)).all(), name
        assert np.abs(got - expected).max() <= 1e-4, name


def test_the_parity_check_refuses_an_onnx_form_of_other_weights():
    import torch

    from mnist_pad import model
    from training import export

    torch.manual_seed(1)
    net, other = model.build("padnet"), model.build("padnet")
    images, description = export.parity_images(None)
    figures = export.check_parity(net, export.to_onnx(net), images[:300], description)
    assert figures["max_abs_prob_diff"] <= export.TOLERANCE and figures["images"] == 300
    with pytest.raises(export.ExportError, match="differ"):
        export.check_parity(net, export.to_onnx(other), images[:300], description)


def test_the_export_command_writes_a_checked_onnx_form(tiny_model_path, tmp_path):
    out = tmp_path / "converted.json"
    result = subprocess.run([sys.executable, "-m", "training.export", str(tiny_model_path), "--out", str(out),
                             "--data-dir", str(tmp_path / "no-mnist"), "--progress", "json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1] == {"event": "done", "path": str(out.resolve())}
    document = json.loads(out.read_text())
    assert document["parity"]["argmax_agreement"] == 1.0 and document["parity"]["images"] == 2000
    assert document["source"]["sha256"] == engine.file_sha256(tiny_model_path)
    converted = Recognizer.load(out.with_suffix(".onnx"))
    np.testing.assert_allclose(converted.predict_strokes([[(60, 60), (200, 200)]]),
                               Recognizer.load(tiny_model_path).predict_strokes([[(60, 60), (200, 200)]]), atol=1e-6)


def test_a_hostile_checkpoint_is_refused_without_running(tmp_path, capsys):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pt"
    evil.write_bytes(pickle.dumps({"format": "mnist-pad", "card": _Payload(marker)}, protocol=2))
    with pytest.raises(engine.ConversionNeeded):
        Recognizer.load(evil)  # the app's process only hashes it: no unpickling here at all
    assert cli_main(["predict", "x.png", "--model", str(evil)]) == 2  # converts in a separate process
    err = capsys.readouterr().err
    assert "evil.pt" in err and "refused: it would run code" in err
    assert not marker.exists(), "the pickled code ran"
    converted = Path(os.environ["MNIST_PAD_DATA_DIR"]) / "converted"
    assert not converted.exists() or not any(converted.iterdir()), "nothing was written for it"


def test_listing_reads_only_descriptions_and_checks_declared_sizes(tmp_path, tiny_model_path):
    folder = tmp_path / "models"
    folder.mkdir()
    for suffix in (".pt", ".onnx", ".json"):
        (folder / f"good-v1-x{suffix}").write_bytes(tiny_model_path.with_suffix(suffix).read_bytes())
    document = json.loads((folder / "good-v1-x.json").read_text())
    document["onnx"]["file"] = "good-v1-x.onnx"
    (folder / "good-v1-x.json").write_text(json.dumps(document))
    (folder / "short-v2-x.onnx").write_bytes(b"x" * 10)
    (folder / "short-v2-x.json").write_text(json.dumps(dict(document, onnx=dict(document["onnx"], file="short-v2-x.onnx"))))
    (folder / "huge-v3-x.json").write_bytes(b" " * (engine.MAX_SIDECAR_BYTES + 1))
    marker = tmp_path / "pwned"
    (folder / "evil-v4-x.pt").write_bytes(pickle.dumps(_Payload(marker), protocol=2))
    listed = {m.path.name: m for m in model_store.saved_models(folder)}
    assert set(listed) == {"good-v1-x.pt", "evil-v4-x.pt"}
    assert listed["good-v1-x.pt"].card["name"] == "tiny" and not listed["good-v1-x.pt"].needs_conversion
    assert listed["evil-v4-x.pt"].needs_conversion and "older format" in listed["evil-v4-x.pt"].label
    assert not marker.exists()
    assert Recognizer.load(listed["good-v1-x.pt"].path).card["name"] == "tiny"


def test_the_cli_predicts_200_files_in_one_call(tmp_path, tiny_model_path, capsys):
    files = []
    for index in range(200):
        path = tmp_path / f"digit{index:03d}.png"
        angle = index * 0.1
        stroke = [(140 + 90 * np.cos(angle), 140 + 90 * np.sin(angle)), (140, 140), (140, 250)]
        Image.fromarray(255 - rasterize([stroke], 8 + index % 30, 280)).save(path)
        files.append(str(path))
    assert cli_main(["predict", *files, "--model", str(tiny_model_path)]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()[1:]]
    assert [row[0] for row in rows] == files
    recognizer = Recognizer.load(tiny_model_path)
    for row, path in list(zip(rows, files))[::37]:
        expected = recognizer.predict_image(np.asarray(Image.open(path).convert("L")))
        assert int(row[1]) == int(expected.argmax())
        np.testing.assert_allclose([float(v) for v in row[3:13]], expected, atol=6e-4)


def test_the_gui_process_never_imports_torch(tmp_path):
    """Drawing, sweeping and switching robust -> plain -> robust in the offscreen app: torch stays out."""
    script = textwrap.dedent("""
        import sys
        from PySide6.QtCore import Qt, QTimer
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication
        from mnist_pad.ui import MainWindow
        app = QApplication(sys.argv[:1])
        window = MainWindow(model="robust")
        window.show()
        steps = iter(["plain", "robust", None])
        def draw(info):
            canvas, left, none = window.canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
            points = [canvas.to_widget(x, y).toPoint() for x, y in ((70, 60), (210, 60), (130, 235))]
            QTest.mousePress(canvas, left, none, points[0])
            for point in points[1:]:
                QTest.mouseMove(canvas, point)
            QTest.mouseRelease(canvas, left, none, points[-1])
        def next_model(seq):
            model = next(steps)
            if model is None:
                print("swept", window.model_info.name, "torch" in sys.modules, flush=True)
                app.quit()
            else:
                window.load_model(model)
        window.model_changed.connect(draw)
        window.sweep_shown.connect(next_model)
        window.model_load_failed.connect(lambda *a: app.quit())
        QTimer.singleShot(60000, app.quit)
        app.exec()
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert result.stdout.split() == ["swept", "robust", "False"], result.stderr[-2000:]


def test_the_import_contract_keeps_torch_out_of_the_apps_modules():
    """import-linter (pyproject.toml): no module of the app's process imports torch, onnx or training."""
    code = "import sys; from importlinter.cli import lint_imports_command; sys.argv = ['lint-imports']; lint_imports_command()"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "0 broken" in result.stdout and "never imports torch" in result.stdout, result.stdout[-3000:]


def test_the_parity_check_counts_a_different_digit_unless_the_two_top_probabilities_tie():
    from training import export

    expected = np.full((3, 10), 0.02, np.float32)
    expected[:, 3], expected[:, 5] = 0.42, 0.40  # three images read as 3, the 5 a clear second
    expected[2, 5] = 0.42 - 1e-7                 # the third a tie to within 1e-7
    got = expected.copy()
    got[:, 3], got[:, 5] = expected[:, 5], expected[:, 3]  # the engine swaps the top two on each
    assert export.different_digits(got, expected) == 2, "two clear swaps count; the tie does not"
    assert export.different_digits(expected, expected) == 0


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="cores are chosen per process on Linux")
def test_a_recognizer_runs_on_two_threads_where_it_may_use_two_cores_and_on_one_where_it_may_use_one():
    cores = len(os.sched_getaffinity(0))
    assert Recognizer.load().session.get_session_options().intra_op_num_threads == min(2, cores)
    assert Recognizer.load(threads=1).session.get_session_options().intra_op_num_threads == 1
    one_core = textwrap.dedent(f"""
        import os
        os.sched_setaffinity(0, {{{min(os.sched_getaffinity(0))}}})
        from mnist_pad.recognizer import Recognizer
        recognizer = Recognizer.load()
        print(recognizer.session.get_session_options().intra_op_num_threads, recognizer.predict_mnist(
            __import__("numpy").zeros((1, 28, 28), "uint8")).shape)
    """)
    out = subprocess.run([sys.executable, "-c", one_core], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["1", "(1,", "10)"], out.stderr
