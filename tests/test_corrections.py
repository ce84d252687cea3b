"""The corrections store: append-only, torn and garbage lines skipped and counted."""
from __future__ import annotations

import pytest

from mnist_pad import corrections
from mnist_pad.corrections import CorrectionsError

STROKES = [[(10.0, 10.0), (50.5, 80.25)], [(30.0, 30.0)]]


def test_append_and_load_round_trip(tmp_path):
    path = tmp_path / "c.jsonl"
    corrections.append(path, corrections.make(STROKES, 7, 12.0, 280))
    corrections.append(path, corrections.make(STROKES, 1, 30.0, 280))
    records, skipped = corrections.load(path)
    assert skipped == 0 and [r.label for r in records] == [7, 1]
    assert records[0].strokes == ((((10.0, 10.0), (50.5, 80.25))), ((30.0, 30.0),))
    assert records[1].brush_width == 30.0 and records[1].time


def test_torn_last_line_and_garbage_are_skipped_and_counted(tmp_path):
    path = tmp_path / "c.jsonl"
    corrections.append(path, corrections.make(STROKES, 3, 12.0, 280))
    with open(path, "a") as file:
        file.write("garbage\n{\"label\": 11, \"strokes\": [[[1,2]]], \"brush_width\": 3, \"canvas_size\": 280}\n")
        file.write("\x00\xff\n[1, 2]\n")
        file.write('{"strokes": [[[1, 2], [3, 4]]], "label": 5, "brush_wi')  # torn by a crash
    records, skipped = corrections.load(path)
    assert [r.label for r in records] == [3] and skipped == 5
    corrections.append(path, corrections.make(STROKES, 9, 12.0, 280))
    records, skipped = corrections.load(path)
    assert [r.label for r in records] == [3, 9] and skipped == 5, "a new record never merges into a torn line"


def test_invalid_correction_is_refused():
    for label in (-1, 10):
        with pytest.raises(ValueError):
            corrections.make(STROKES, label, 12.0, 280)
    with pytest.raises(ValueError):
        corrections.make([], 3, 12.0, 280)


def test_unwritable_directory_gives_a_clear_error(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(corrections, "open", refuse, raising=False)  # as root, chmod would not stop us
    with pytest.raises(CorrectionsError, match="cannot save .*Permission denied"):
        corrections.append(tmp_path / "c.jsonl", corrections.make(STROKES, 3, 12.0, 280))


def test_unwritable_path_gives_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CorrectionsError, match="cannot save"):
        corrections.append(blocker / "c.jsonl", corrections.make(STROKES, 3, 12.0, 280))


def test_deleted_records_are_restored_byte_for_byte(tmp_path):
    path = tmp_path / "c.jsonl"
    for label in (1, 2, 3):
        corrections.append(path, corrections.make(STROKES, label, 12.0, 280))
    before, _ = corrections.load(path)
    removed = corrections.delete(path, [r.line_id for r in before if r.label != 2])
    assert len(removed) == 2 and [r.label for r in corrections.load(path)[0]] == [2]
    corrections.restore(path, removed)
    after, skipped = corrections.load(path)
    assert skipped == 0 and [r.label for r in after] == [2, 1, 3]  # back at the end of the file
    originals = {r.line_id: r for r in before}
    assert all(originals[r.line_id] == r and originals[r.line_id].time == r.time for r in after)


def test_rewrite_deletes_records_atomically(tmp_path):
    path = tmp_path / "c.jsonl"
    for label in (1, 2, 3):
        corrections.append(path, corrections.make(STROKES, label, 12.0, 280))
    records, _ = corrections.load(path)
    corrections.delete(path, [r.line_id for r in records if r.label == 2])
    assert [r.label for r in corrections.load(path)[0]] == [1, 3]
