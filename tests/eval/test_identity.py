from __future__ import annotations

import numpy as np
import pytest

from faceforge.errors import NoFaceFound
from faceforge.eval import identity_distance_images, identity_distances, image_embedding
from faceforge.faces.identity import SAME_PERSON_THRESHOLD
from tests.eval._media import PERSON_A, PERSON_B, pair_photo

BLANK = np.full((200, 200, 3), 128, np.uint8)


def test_same_image_has_zero_distance_and_mirror_is_close(astronaut):
    assert identity_distance_images(astronaut, astronaut) == pytest.approx(0.0, abs=1e-6)
    assert identity_distance_images(astronaut, np.ascontiguousarray(astronaut[:, ::-1])) < 0.3


def test_the_largest_confident_face_is_used(astronaut):
    """HOG also fires weakly on her mission patch, at the same size as her face."""
    emb = image_embedding(astronaut)
    from faceforge.faces.identity import face_embedding

    np.testing.assert_allclose(emb, face_embedding(astronaut, (175.0, 76.0, 266.0, 167.0)), atol=1e-6)


def test_a_weak_detection_does_not_win_on_size(monkeypatch):
    import faceforge.eval._detect as detect

    big_weak, small_strong = (0.0, 0.0, 100.0, 100.0), (10.0, 10.0, 60.0, 60.0)
    monkeypatch.setattr(detect, "hog_faces", lambda image, **kw: [(big_weak, 0.2), (small_strong, 1.3)])
    assert detect.largest_face(BLANK) == small_strong
    monkeypatch.setattr(detect, "hog_faces", lambda image, **kw: [(big_weak, 0.9), (small_strong, 1.3)])
    assert detect.largest_face(BLANK) == big_weak


def test_missing_face_names_the_image(astronaut):
    with pytest.raises(NoFaceFound, match="b_img: no face found"):
        identity_distance_images(astronaut, BLANK)
    with pytest.raises(NoFaceFound, match="a_img"):
        identity_distance_images(BLANK, astronaut)
    with pytest.raises(ValueError, match="a_img must have shape"):
        identity_distance_images(BLANK[..., 0], astronaut)


def test_video_distances_to_a_reference(astronaut):
    ref = image_embedding(astronaut)
    frames = [astronaut, BLANK, np.ascontiguousarray(astronaut[:, ::-1])]
    d = identity_distances(frames, ref)
    assert d.shape == (3,)
    assert d[0] == pytest.approx(0.0, abs=1e-6) and np.isnan(d[1]) and d[2] < 0.3
    with pytest.raises(NoFaceFound, match=r"frames\[1\]"):
        identity_distances(frames, ref, on_missing="raise")
    # a given box is used as is, even where the detector would find nothing
    boxes = [None, (40.0, 40.0, 120.0, 120.0), None]
    assert np.isfinite(identity_distances(frames, ref, boxes=boxes)).all()
    with pytest.raises(ValueError, match="boxes must have one entry per frame"):
        identity_distances(frames, ref, boxes=[None])
    with pytest.raises(ValueError, match="reference must be a 128-d"):
        identity_distances(frames, ref[:64])


@pytest.mark.shared
def test_real_photos_same_and_different_person(shared_data):
    a1, a2 = (pair_photo(shared_data, n) for n in PERSON_A)
    b = pair_photo(shared_data, PERSON_B)
    assert identity_distance_images(a1, a2) < SAME_PERSON_THRESHOLD
    assert identity_distance_images(a1, b) > SAME_PERSON_THRESHOLD
