"""`mnist-pad predict`: each file's digit and ten probabilities; bad files reported, others still done."""
from __future__ import annotations

import numpy as np
from PIL import Image

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
