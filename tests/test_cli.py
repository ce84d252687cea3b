"""`mnist-pad predict`: each file's digit and ten probabilities; bad files reported, others still done."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
from PIL import Image

from mnist_pad import cli
from mnist_pad.cli import main
from mnist_pad.raster import rasterize


def test_predict_prints_each_good_file_and_reports_bad_ones(tmp_path, tiny_model_path, capsys):
    good = tmp_path / "seven.png"
    Image.fromarray(255 - rasterize([[(60, 60), (200, 60), (120, 230)]], 16, 280)).save(good)
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((40, 40), 255, np.uint8)).save(blank)
    bad = tmp_path / "bad.png"
    bad.write_text("nope")
    code = main(["predict", str(good), str(bad), str(blank), "--model", str(tiny_model_path)])
    out, err = capsys.readouterr()
    assert code == 1
    rows = {line.split("\t")[0]: line.split("\t") for line in out.splitlines()[1:]}
    assert set(rows) == {str(good), str(blank)}
    probabilities = [float(v) for v in rows[str(good)][3:13]]
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 0.01
    assert int(rows[str(good)][1]) == int(np.argmax(probabilities))
    assert "no digit" in rows[str(blank)][2]
    assert str(bad) in err and "not an image" in err


def test_predict_with_a_broken_model_says_so(tmp_path, capsys):
    model = tmp_path / "broken.pt"
    model.write_bytes(b"garbage")
    assert main(["predict", "x.png", "--model", str(model)]) == 2
    assert "cannot load the model" in capsys.readouterr().err


def _digit_files(folder, count: int) -> list[str]:
    files = []
    for index in range(count):
        path = folder / f"digit{index:02d}.png"
        angle = index * 0.3
        stroke = [(140 + 90 * np.cos(angle), 140 + 90 * np.sin(angle)), (140, 140), (140, 250)]
        Image.fromarray(255 - rasterize([stroke], 6 + index % 30, 280)).save(path)
        files.append(str(path))
    return files


def _predict_command(files, model) -> list[str]:
    return [sys.executable, "-m", "mnist_pad", "predict", *files, "--model", str(model)]


def test_many_files_read_in_worker_processes_give_the_rows_of_one_process(tmp_path, tiny_model_path, capsys, monkeypatch):
    files = _digit_files(tmp_path, cli.PARALLEL_FROM + 6)
    files.insert(5, str(tmp_path / "missing.png"))
    # Through a pipe, as a script reads it: what was printed before the workers started comes once.
    result = subprocess.run(_predict_command(files, tiny_model_path), capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "missing.png" in result.stderr and "Traceback" not in result.stderr
    monkeypatch.setattr(cli, "PARALLEL_FROM", 10**9)  # the same files read here, one after another
    assert main(["predict", *files, "--model", str(tiny_model_path)]) == 1
    assert result.stdout == capsys.readouterr().out
    assert result.stdout.count("file\tdigit") == 1 and len(result.stdout.splitlines()) == len(files)


def test_ctrl_c_stops_reading_with_a_message_not_a_traceback(tmp_path, tiny_model_path):
    files = _digit_files(tmp_path, 30) * 40  # 1,200 pictures: seconds of work
    process = subprocess.Popen(_predict_command(files, tiny_model_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("file\tdigit")  # the header: the workers are starting
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err[-2000:]
    assert "stopped" in err and "Traceback" not in err


def _die_in_worker(name: str):
    os._exit(3)  # what the kernel's out-of-memory killer leaves behind


def test_a_worker_process_that_dies_is_reported_in_words(tmp_path, tiny_model_path, capsys, monkeypatch):
    files = _digit_files(tmp_path, cli.PARALLEL_FROM)
    monkeypatch.setattr(cli, "prepare_file", _die_in_worker)
    assert main(["predict", *files, "--model", str(tiny_model_path)]) == 2
    assert "died" in capsys.readouterr().err


def saved_with_strokes(path, text: str, canvas=(280, 280)) -> None:
    """A PNG with a blank picture but a strokes chunk: only reading the strokes can find a digit in it."""
    from PIL import PngImagePlugin

    from mnist_pad.saved_drawing import KEY

    info = PngImagePlugin.PngInfo()
    info.add_text(KEY, text, zip=True)
    Image.fromarray(np.full(canvas[::-1], 255, np.uint8)).save(path, pnginfo=info)


def test_a_png_saved_by_the_app_is_read_from_its_strokes_as_the_app_reads_it(tmp_path, capsys):
    """The app's PNGs carry their strokes; the CLI reads those, so it prints what the window showed (the
    picture path agrees 99.8-100% of the time, not always). A damaged chunk leaves the picture to read."""
    from mnist_pad import Recognizer
    from mnist_pad.saved_drawing import SavedDrawing, to_text

    seven = ((60.0, 60.0), (200.0, 60.0), (120.0, 230.0))
    saved, damaged = tmp_path / "seven.png", tmp_path / "damaged.png"
    saved_with_strokes(saved, to_text(SavedDrawing((seven,), 16.0, (280, 280))))
    saved_with_strokes(damaged, '{"format": "mnist-pad-drawing", "version": 1, "strokes": ')
    assert main(["predict", str(saved), str(damaged)]) == 0
    rows = {line.split("\t")[0]: line.split("\t") for line in capsys.readouterr()[0].splitlines()[1:]}
    expected = Recognizer.load().predict_strokes([seven], 16.0)
    np.testing.assert_allclose([float(v) for v in rows[str(saved)][3:13]], expected, atol=0.0006)
    assert rows[str(saved)][1] == "7" and "no digit" in rows[str(damaged)][2]


def test_a_number_saved_by_the_app_is_read_from_its_strokes_with_number(tmp_path, capsys):
    from mnist_pad.saved_drawing import SavedDrawing, to_text

    one = ((100.0, 45.0), (100.0, 140.0), (100.0, 235.0))
    four = ((320.0, 45.0), (300.0, 160.0), (390.0, 160.0)), ((370.0, 90.0), (370.0, 235.0))
    saved = tmp_path / "fourteen.png"
    saved_with_strokes(saved, to_text(SavedDrawing((one, *four), 16.0, (840, 280))), canvas=(840, 280))
    assert main(["predict", "--number", str(saved)]) == 0
    row = capsys.readouterr()[0].splitlines()[1].split("\t")
    assert row[:2] == [str(saved), "14"]
