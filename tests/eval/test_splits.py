"""The train/eval split of the shared media: no path is both, evaluation sources are never trained on."""

from __future__ import annotations

from faceforge.eval.splits import DETECT_EVAL_PREFIXES, DETECT_TRAIN_PREFIXES, detect_split


def test_prefixes_do_not_overlap():
    for t in DETECT_TRAIN_PREFIXES:
        for e in DETECT_EVAL_PREFIXES:
            assert not t.startswith(e) and not e.startswith(t), (t, e)


def test_examples():
    assert detect_split("portraits/photo/face_recognition/x.jpg") == "train"
    assert detect_split("talking/voxceleb2/Talking-Face_PC-AVS/a.mp4") == "train"
    assert detect_split("talking/voxceleb/LIA/data/vox/driving1.mp4") == "eval"  # not voxceleb2
    assert detect_split("forensics/dfdc/x.png") == "eval"
    assert detect_split("talking\\mead\\a.mp4") == "eval"  # Windows separators
    assert detect_split("somewhere/else.png") == "unused"


def test_every_shared_media_file_is_placed(manifest):
    kinds = {detect_split(row["file"]) for row in manifest if row["kind"] in {"image", "video"}}
    assert kinds <= {"train", "eval", "unused"} and {"train", "eval"} <= kinds
