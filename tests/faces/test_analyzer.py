from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceforge.faces import AnalyzeOptions, FaceAnalyzer, analyze
from faceforge.faces import topology as t
from tests.conftest import grid


def test_astronaut_has_one_face_with_sane_measures(astronaut):
    faces = analyze(astronaut)
    assert len(faces) == 1
    f = faces[0]
    x0, y0, x1, y1 = f.box
    # Eileen Collins' face sits in the upper middle of the 512² photo.
    assert 150 < x0 < x1 < 300 and 40 < y0 < y1 < 200
    assert f.landmarks.shape == (478, 3) and f.landmarks.dtype == np.float32
    assert abs(f.pose.yaw) < 15 and abs(f.pose.roll) < 15
    assert all(0.2 < e < 0.5 for e in f.eye_openness)  # eyes open
    assert 0.08 < f.mouth_openness < 0.4  # smiling with teeth showing
    assert f.track_id is None


def test_masks_cover_the_right_regions(astronaut):
    f = analyze(astronaut)[0]
    m = f.masks
    assert m.face.shape == astronaut.shape[:2] and m.face.dtype == np.uint8
    cx, cy = (int(v) for v in f.landmarks[t.NOSE_TIP, :2])
    assert m.face[cy, cx] == 255 and m.face[5, 5] == 0
    ex, ey = (int(v) for v in f.landmarks[t.RIGHT_IRIS_CENTER, :2])
    assert m.eyes[ey, ex] > 200 and m.eyes[cy, cx] == 0
    assert m.mouth.sum() < m.face.sum() * 0.05
    assert m.person is not None and m.person[cy, cx] > 128 and m.person[500, 5] < 128


def test_options_are_validated():
    with pytest.raises(ValueError, match="max_faces"):
        AnalyzeOptions(max_faces=0)
    with pytest.raises(ValueError, match="image must have shape"):
        FaceAnalyzer().analyze(np.zeros((10, 10), np.uint8))


def test_yaw_sign_follows_a_mirrored_face(astronaut):
    """Mirroring the photo mirrors the yaw and roll, not pitch."""
    a = analyze(astronaut, masks=False)[0].pose
    b = analyze(np.ascontiguousarray(astronaut[:, ::-1]), masks=False)[0].pose
    assert b.yaw == pytest.approx(-a.yaw, abs=3)
    assert b.roll == pytest.approx(-a.roll, abs=3)
    assert b.pitch == pytest.approx(a.pitch, abs=3)


def test_roll_follows_an_image_rotation(astronaut):
    h, w = astronaut.shape[:2]
    base = analyze(astronaut, masks=False)[0].pose.roll
    rot = cv2.warpAffine(astronaut, cv2.getRotationMatrix2D((w / 2, h / 3), -20, 1.0), (w, h))
    # getRotationMatrix2D with a negative angle turns the image clockwise.
    assert analyze(rot, masks=False)[0].pose.roll == pytest.approx(base + 20, abs=4)


def test_no_face_gives_empty_list():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)
    assert analyze(noise) == []
    assert analyze(np.zeros((1, 1, 3), np.uint8)) == []


@pytest.mark.parametrize("thorough", [True, False])
def test_small_faces_in_a_wide_shot_are_found(astronaut, thorough):
    """Six 96-px faces on a 1920×1080 canvas: too small for a single 192² pass; both searches
    tile the image itself."""
    face = astronaut[40:230, 140:330]
    canvas = np.full((1080, 1920, 3), 90, np.uint8)
    spots = [(200, 150), (700, 120), (1300, 200), (300, 700), (900, 800), (1600, 650)]
    for x, y in spots:
        canvas[y : y + 96, x : x + 96] = cv2.resize(face, (96, 96), interpolation=cv2.INTER_AREA)
    faces = analyze(canvas, masks=False, thorough=thorough)
    assert len(faces) == 6
    centres = sorted((round(f.center[0] / 100), round(f.center[1] / 100)) for f in faces)
    assert centres == sorted((round((x + 48) / 100), round((y + 48) / 100)) for x, y in spots)


def test_max_faces_keeps_the_largest_and_order_is_by_size(astronaut):
    sizes = [256, 200, 160, 128]
    canvas = np.full((600, 900, 3), 100, np.uint8)
    x = 10
    for s in sizes:
        canvas[20 : 20 + s, x : x + s] = cv2.resize(astronaut[20:260, 120:360], (s, s))
        x += s + 10
    faces = analyze(canvas, masks=False)
    assert len(faces) == 4
    widths = [f.width for f in faces]
    assert widths == sorted(widths, reverse=True)
    two = analyze(canvas, masks=False, max_faces=2)
    assert [round(f.box[0]) for f in two] == [round(f.box[0]) for f in faces[:2]]


def test_ten_faces_all_found(astronaut):
    canvas = grid([astronaut[20:300, 100:380]] * 10, cols=5, cell=220)
    assert len(analyze(canvas, masks=False)) == 10


@pytest.mark.parametrize("thorough", [True, False])
def test_face_cut_by_the_frame_edge_is_found(astronaut, thorough):
    """Only the left ~40% of the face is in the picture: found once (the mirror
    padding completes it; both searches run the whole-image passes on the padded copy),
    and the symmetric suit collar is not taken for a face."""
    for right in (215, 222):
        cut = np.ascontiguousarray(astronaut[:, 60:right])
        faces = analyze(cut, masks=False, thorough=thorough)
        assert len(faces) == 1
        assert faces[0].box[2] > cut.shape[1] - 5  # the box reaches past the right edge


@pytest.mark.shared
def test_group_selfie_faces_are_all_found(shared_data):
    """The group selfie: 7 faces a person marks (3 cut by the frame, one only half visible)."""
    from faceforge.media.image import read_image

    image = read_image(shared_data / "portraits/identity-pairs/deepface/tests/unit/dataset/selfie-many-people.jpg")
    assert len(analyze(image, masks=False)) >= 6


def test_a_large_photo_is_searched_on_a_scaled_copy_and_finds_the_same_face(astronaut):
    """Above FaceDetector.WORK_SIDE the search runs on an area-scaled copy; boxes come back in
    the photo's own pixels and land where the face is."""
    from faceforge.faces.detector import FaceDetector, iou

    detector = FaceDetector()
    try:
        big = cv2.resize(astronaut, (3000, 3000), interpolation=cv2.INTER_CUBIC)  # ~2.6× WORK_SIDE
        assert max(big.shape[:2]) > FaceDetector.WORK_SIDE
        small_boxes = detector.detect(astronaut)
        big_boxes = detector.detect(big)  # largest first
        scaled = tuple(v * 3000 / 512 for v in small_boxes[0].box)
        assert iou(big_boxes[0].box, scaled) > 0.8 and big_boxes[0].score > 0.9
    finally:
        detector.close()
    faces = analyze(big, masks=False)  # weak detections elsewhere get no mesh
    assert len(faces) == 1 and iou(faces[0].box, scaled) > 0.5


def test_tiles_split_over_two_workers_give_the_same_detections_in_order(astronaut):
    """`_run_all` spreads the tile runs over two graph pairs; its result is what running them one
    by one gives, in the same order (non-maximum suppression keeps the first of equal scores)."""
    from faceforge.faces.detector import FaceDetector

    detector = FaceDetector()
    try:
        scene = grid([astronaut, astronaut[::-1, ::-1], astronaut], cols=3, cell=400)
        jobs = [
            (use_full, np.ascontiguousarray(scene[:, x : x + 400]), (x, 0))
            for x in (0, 200, 400, 600, 800)
            for use_full in (True, False)
        ]
        full, short = detector._pair(0)
        one_by_one = [d for use_full, crop, off in jobs for d in detector._run(full if use_full else short, crop, off)]
        assert len(one_by_one) >= 3  # the upright faces, from several tiles
        assert detector._run_all(jobs) == one_by_one
    finally:
        detector.close()
