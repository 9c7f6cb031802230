from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceforge.errors import NoFaceFound
from faceforge.eval import dlib_landmarks, landmark_error, landmark_error_images
from tests.eval._media import PERSON_A, PERSON_B, pair_photo


def test_landmarks_sit_on_the_astronaut_face(astronaut):
    pts = dlib_landmarks(astronaut)
    assert pts.shape == (68, 2) and pts.dtype == np.float32
    x0, y0, x1, y1 = 165, 60, 280, 185  # her face, with a margin
    assert (pts[:, 0] > x0).all() and (pts[:, 0] < x1).all()
    assert (pts[:, 1] > y0).all() and (pts[:, 1] < y1).all()
    # anatomy: eyes above the nose tip above the mouth; 36 is on the image's left
    assert pts[36:48, 1].mean() < pts[33, 1] < pts[48:68, 1].mean()
    assert pts[36, 0] < pts[45, 0]
    # an explicit box gives the same result as the detected one
    np.testing.assert_array_equal(dlib_landmarks(astronaut, (175.0, 76.0, 266.0, 167.0)), pts)


def test_error_is_normalised_by_the_reference_outer_eye_corners():
    rng = np.random.default_rng(0)
    ref = rng.uniform(0, 100, (68, 2))
    ref[36], ref[45] = (30, 50), (70, 50)  # inter-ocular distance 40
    assert landmark_error(ref, ref) == 0.0
    assert landmark_error(ref + (4.0, 0.0), ref) == pytest.approx(0.1)
    assert landmark_error(ref + (0.0, -2.0), ref) == pytest.approx(0.05)
    # scale invariance: the same relative error at twice the size
    assert landmark_error(2 * ref + (8.0, 0.0), 2 * ref) == pytest.approx(0.1)


def test_bad_points_name_the_parameter():
    good = np.zeros((68, 2))
    good[45] = (10, 0)
    with pytest.raises(ValueError, match="pred68 must be 68×2"):
        landmark_error(np.zeros((5, 2)), good)
    with pytest.raises(ValueError, match="ref68 has coincident outer eye corners"):
        landmark_error(good, np.zeros((68, 2)))
    with pytest.raises(ValueError, match="a and b must have the same shape"):
        landmark_error_images(np.zeros((64, 64, 3), np.uint8), np.zeros((32, 64, 3), np.uint8))


def test_no_face_names_the_image(astronaut):
    with pytest.raises(NoFaceFound, match="b: no face found"):
        landmark_error_images(astronaut, np.full_like(astronaut, 128))


@pytest.mark.shared
def test_real_portrait_small_against_itself_large_against_another_face(shared_data):
    a = pair_photo(shared_data, PERSON_A[0])
    h, w = a.shape[:2]
    # the same photo, lightly degraded: the landmarks barely move
    blurred = cv2.GaussianBlur(a, (5, 5), 1.0)
    jpeg = cv2.imdecode(cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 60])[1], cv2.IMREAD_UNCHANGED)
    assert landmark_error_images(a, a) == 0.0
    assert landmark_error_images(jpeg, a) < 0.03
    # another face brought to the same frame: a different shape and place
    other = cv2.resize(pair_photo(shared_data, PERSON_B), (w, h), interpolation=cv2.INTER_AREA)
    assert landmark_error_images(other, a) > 0.1
    # and within one face, a different person's landmarks placed on it (shape
    # only: centred and scaled to the same eye corners) still differ more than noise
    pa, pb = dlib_landmarks(a), dlib_landmarks(other)
    assert landmark_error(_align_to(pb, pa), pa) > 2 * landmark_error_images(jpeg, a)


def _align_to(points: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Similarity transform that puts points' outer eye corners on ref's."""
    src = points[[36, 45]].astype(np.float64)
    dst = ref[[36, 45]].astype(np.float64)
    s = np.linalg.norm(dst[1] - dst[0]) / np.linalg.norm(src[1] - src[0])
    ang = np.arctan2(*(dst[1] - dst[0])[::-1]) - np.arctan2(*(src[1] - src[0])[::-1])
    rot = s * np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    return (points - src[0]) @ rot.T + dst[0]
