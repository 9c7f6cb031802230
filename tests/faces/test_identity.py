"""Face identity: dlib model loading, embeddings, the threshold, clustering.

The accuracy test re-measures the figure quoted in faceforge/faces/identity.py
on the deepface identity pairs in the shared media.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from faceforge.errors import DependencyError
from faceforge.faces import dlib_models
from faceforge.faces.face import Face, HeadPose
from faceforge.faces.identity import (
    SAME_PERSON_THRESHOLD,
    cluster_identities,
    embed_face,
    face_embedding,
    identity_distance,
    same_person,
)

PAIRS_DIR = Path("portraits/identity-pairs/deepface/tests/unit/dataset")
# dlib HOG box of Eileen Collins' face in the 512² astronaut sample.
ASTRONAUT_BOX = (175.0, 76.0, 266.0, 167.0)


# --- model files ---------------------------------------------------------


def test_loaders_are_lazy_and_cached():
    assert dlib_models.shape_predictor_5() is dlib_models.shape_predictor_5()
    assert dlib_models.face_encoder() is dlib_models.face_encoder()
    assert dlib_models.hog_detector() is dlib_models.hog_detector()
    assert dlib_models.shape_predictor_68() is dlib_models.shape_predictor_68()
    assert dlib_models.model_path(dlib_models.ENCODER_FILE).is_file()


def test_missing_model_file_raises_dependency_error(monkeypatch, tmp_path):
    monkeypatch.setattr(dlib_models, "models_dir", lambda: tmp_path)
    with pytest.raises(DependencyError, match="shape_predictor_68_face_landmarks.dat"):
        dlib_models.model_path(dlib_models.SHAPE_68_FILE)


def test_missing_package_raises_dependency_error(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DependencyError, match="face_recognition_models"):
        dlib_models.models_dir.__wrapped__()


# --- embeddings ----------------------------------------------------------


def test_embedding_shape_and_mirror_invariance(astronaut):
    emb = face_embedding(astronaut, ASTRONAUT_BOX)
    assert emb.shape == (128,) and emb.dtype == np.float32 and np.all(np.isfinite(emb))
    w = astronaut.shape[1]
    x0, y0, x1, y1 = ASTRONAUT_BOX
    mirrored = face_embedding(np.ascontiguousarray(astronaut[:, ::-1]), (w - x1, y0, w - x0, y1))
    assert identity_distance(emb, mirrored) < 0.3
    assert same_person(emb, mirrored)


def test_a_mediapipe_shaped_box_gives_nearly_the_same_embedding(astronaut):
    """MediaPipe boxes are ~0.94× as wide, 1.13× as tall and 2 % higher than dlib's."""
    x0, y0, x1, y1 = ASTRONAUT_BOX
    w, h = (x1 - x0) / 1.064, (y1 - y0) / 0.887
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2 - 0.018 * h
    mp_box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    d = identity_distance(face_embedding(astronaut, ASTRONAUT_BOX), face_embedding(astronaut, mp_box))
    # On the 61 deepface photos this box change moves embeddings by 0.05 (median),
    # 0.11 at most; photos of one person lie 0.3-0.6 apart.
    assert d < 0.15


def test_embedding_of_a_different_face_region_is_far(astronaut):
    face = face_embedding(astronaut, ASTRONAUT_BOX)
    patch = face_embedding(astronaut, (126.0, 335.0, 216.0, 426.0))  # her mission patch
    assert not same_person(face, patch)


def test_embed_face_uses_the_face_box(astronaut):
    face = Face(
        box=ASTRONAUT_BOX,
        score=0.9,
        landmarks=np.zeros((478, 3), np.float32),
        pose=HeadPose(0.0, 0.0, 0.0),
        eye_openness=(0.3, 0.3),
        mouth_openness=0.1,
    )
    np.testing.assert_array_equal(embed_face(astronaut, face), face_embedding(astronaut, ASTRONAUT_BOX))


@pytest.mark.parametrize(
    ("image", "box", "match"),
    [
        (np.zeros((64, 64), np.uint8), (0, 0, 10, 10), "image must have shape"),
        (np.zeros((64, 64, 3), np.float32), (0, 0, 10, 10), "image must have dtype uint8"),
        (np.zeros((64, 64, 3), np.uint8), (10, 10, 5, 20), "box must have x1 > x0"),
        (np.zeros((64, 64, 3), np.uint8), (0, 0, float("nan"), 10), "box must be finite"),
        (np.zeros((64, 64, 3), np.uint8), (0, 0, 10), "box must be four numbers"),
    ],
)
def test_bad_inputs_name_the_parameter(image, box, match):
    with pytest.raises(ValueError, match=match):
        face_embedding(image, box)


# --- distance and clustering ---------------------------------------------


def test_distance_and_threshold():
    a = np.zeros(128, np.float32)
    b = a.copy()
    b[0] = 0.59
    c = a.copy()
    c[0] = 0.6
    assert identity_distance(a, b) == pytest.approx(0.59)
    assert same_person(a, b) and not same_person(a, c)
    assert SAME_PERSON_THRESHOLD == 0.6
    assert same_person(a, c, threshold=0.7)
    with pytest.raises(ValueError, match="same length"):
        identity_distance(a, np.zeros(64))
    with pytest.raises(ValueError, match="b must be a 1-D"):
        identity_distance(a, np.zeros((2, 64)))


def test_cluster_labels_follow_first_appearance():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1, (3, 128))
    centres *= 2.0 / np.linalg.norm(centres, axis=1, keepdims=True)  # people ≥ ~2 apart
    order = [2, 2, 0, 1, 0, 2, 1]
    embs = [centres[k] + rng.normal(0, 0.01, 128) for k in order]
    assert cluster_identities(embs) == [0, 0, 1, 2, 1, 0, 2]


def test_cluster_uses_average_linkage():
    """Three faces on a line at 0, 0.5 and 1.05: single linkage would chain them
    into one person; average linkage keeps the far one (mean distance 0.8) apart."""
    line = [np.zeros(128) for _ in range(3)]
    for vec, x in zip(line, (0.0, 0.5, 1.05), strict=True):
        vec[0] = x
    assert cluster_identities(line) == [0, 0, 1]


def test_cluster_edge_cases():
    assert cluster_identities([]) == []
    assert cluster_identities([np.zeros(128)]) == [0]
    a, b = np.zeros(128), np.zeros(128)
    b[0] = 0.6
    assert cluster_identities([a, b]) == [0, 1]  # exactly at the threshold: two people
    assert cluster_identities([a, b], threshold=0.61) == [0, 0]
    with pytest.raises(ValueError, match="same length"):
        cluster_identities([np.zeros(128), np.zeros(64)])
    with pytest.raises(ValueError, match="threshold"):
        cluster_identities([a, b], threshold=0)


# --- real photos ---------------------------------------------------------


def _read_rgb(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.ascontiguousarray(np.asarray(im.convert("RGB")))


@pytest.fixture(scope="module")
def identity_pairs(shared_data: Path) -> tuple[list[tuple[str, str, bool]], dict[str, np.ndarray | None]]:
    """master.csv pairs and one embedding per photo (None where HOG finds no face)."""
    from faceforge.errors import NoFaceFound
    from faceforge.eval import image_embedding

    folder = shared_data / PAIRS_DIR
    with open(folder / "master.csv", newline="") as fh:
        pairs = [(r["file_x"], r["file_y"], r["Decision"].strip() == "Yes") for r in csv.DictReader(fh)]
    embeddings: dict[str, np.ndarray | None] = {}
    for name in sorted({n for a, b, _ in pairs for n in (a, b)}):
        try:
            embeddings[name] = image_embedding(_read_rgb(folder / name), name)
        except NoFaceFound:
            embeddings[name] = None
    return pairs, embeddings


@pytest.mark.shared
def test_same_person_accuracy_on_identity_pairs(identity_pairs):
    """Measured: 299/300 (99.7 %), no photo without a face, threshold 0.6."""
    pairs, embeddings = identity_pairs
    assert len(pairs) == 300
    missing = [n for n, e in embeddings.items() if e is None]
    assert not missing, f"HOG found no face in {missing}"
    correct = sum(same_person(embeddings[a], embeddings[b]) == yes for a, b, yes in pairs)
    assert correct / len(pairs) >= 0.95, f"{correct}/{len(pairs)} pairs right"


@pytest.mark.shared
def test_clustering_groups_photos_of_one_person(identity_pairs):
    pairs, embeddings = identity_pairs
    names = sorted(embeddings)
    labels = dict(zip(names, cluster_identities([embeddings[n] for n in names]), strict=True))
    # The eight photos linked by "Yes" pairs to img1 are one person.
    group = {"img1.jpg"} | {b for a, b, yes in pairs if yes and a == "img1.jpg"}
    assert len(group) == 8
    assert len({labels[n] for n in group}) == 1
    # Over all pairs, "same cluster" agrees with the labels almost always.
    agree = sum((labels[a] == labels[b]) == yes for a, b, yes in pairs)
    assert agree / len(pairs) >= 0.95
    assert len(set(labels.values())) >= 8  # not everyone in one cluster
