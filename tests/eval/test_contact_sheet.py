from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceforge.errors import OutputError
from faceforge.eval import contact_sheet, save_contact_sheet
from faceforge.eval.contact_sheet import _BACKGROUND

RED = (255, 0, 0)


def _frame(h: int, w: int, colour=RED) -> np.ndarray:
    f = np.empty((h, w, 3), np.uint8)
    f[:] = colour
    return f


def test_grid_size_and_letterboxing():
    rows = [[_frame(100, 50), _frame(40, 40, (0, 255, 0))], [_frame(30, 90, (0, 0, 255))]]
    sheet = contact_sheet(rows, cell=64, gap=2)
    assert sheet.shape == (2 * 64 + 3 * 2, 2 * 64 + 3 * 2, 3) and sheet.dtype == np.uint8
    # first cell: a tall red frame, 32 px wide centred in 64, background either side
    y, x = 2, 2
    assert tuple(sheet[y + 32, x + 32]) == RED
    assert tuple(sheet[y + 32, x + 5]) == _BACKGROUND and tuple(sheet[y + 32, x + 60]) == _BACKGROUND
    # second cell: a green square scaled up to fill it
    assert tuple(sheet[y + 1, x + 66 + 1]) == (0, 255, 0)
    # second row is shorter: its second cell stays empty
    assert tuple(sheet[68 + 32, 68 + 32]) == _BACKGROUND
    assert tuple(sheet[68 + 32, 2 + 32]) == (0, 0, 255)


def test_labels_add_a_margin_with_text():
    rows = [[_frame(64, 64)], [_frame(64, 64)]]
    plain = contact_sheet(rows, cell=64)
    labelled = contact_sheet(rows, labels=["source", "output"], cell=64)
    assert labelled.shape[0] == plain.shape[0] and labelled.shape[1] > plain.shape[1]
    margin = labelled.shape[1] - plain.shape[1]
    np.testing.assert_array_equal(labelled[:, margin:], plain)
    text = labelled[:, :margin]
    assert (text > 200).all(axis=2).sum() > 20  # light text pixels on the dark margin


def test_bad_inputs_name_the_parameter():
    with pytest.raises(ValueError, match="labels must have one entry per row"):
        contact_sheet([[_frame(8, 8)]], labels=["a", "b"])
    with pytest.raises(ValueError, match=r"rows\[0\]\[1\] must be an H×W×3 uint8"):
        contact_sheet([[_frame(8, 8), np.zeros((8, 8), np.uint8)]])
    with pytest.raises(ValueError, match="rows must hold at least one frame"):
        contact_sheet([[]])
    with pytest.raises(ValueError, match="cell"):
        contact_sheet([[_frame(8, 8)]], cell=4)


def test_save_writes_an_rgb_png(tmp_path):
    rows = [[_frame(64, 64), _frame(64, 64, (0, 0, 255))]]
    path = save_contact_sheet(tmp_path / "sheet.png", rows, labels=["run 1"], cell=64)
    assert path == tmp_path / "sheet.png"
    back = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(back, contact_sheet(rows, labels=["run 1"], cell=64))
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.png"]  # no temporary left behind


def test_save_errors(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.raises(OutputError, match="cannot write output"):
        save_contact_sheet(blocker / "sheet.png", [[_frame(8, 8)]])
    with pytest.raises(ValueError, match="path must end in .png"):
        save_contact_sheet(tmp_path / "sheet.jpg", [[_frame(8, 8)]])
