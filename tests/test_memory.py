"""Start-up pages handed back: resident memory drops and the model still predicts the same."""
from __future__ import annotations

import numpy as np
import psutil
import pytest

from mnist_pad import memory
from mnist_pad.recognizer import Recognizer

SEVEN = [[(70, 60), (210, 60), (130, 235)]]


def test_released_library_pages_lower_memory_and_come_back_on_use(tiny_model_path):
    recognizer = Recognizer.load(tiny_model_path)
    before = recognizer.predict_strokes(SEVEN)
    resident = psutil.Process().memory_info().rss
    advised = memory.release_library_pages()
    if advised == 0:
        pytest.skip("this system cannot page out mappings (not Linux, or a kernel before 5.4)")
    assert psutil.Process().memory_info().rss < resident - 20 * 2**20, "torch's library pages stayed resident"
    np.testing.assert_array_equal(recognizer.predict_strokes(SEVEN), before)
