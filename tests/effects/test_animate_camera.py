"""Animate --follow-camera: measuring the driving camera's motion and moving the photo's background with it."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from faceforge.effects.animate import AnimateOptions, animate
from faceforge.effects.animate.camera import CameraTracker, body_in_pixels, body_relative, in_pixels, relative_to
from faceforge.effects.animate.motion import MotionFrame
from faceforge.effects.animate.synthesis import FrameRenderer
from faceforge.effects.animate.template import MotionTemplate
from faceforge.errors import CorruptMedia
from faceforge.faces import analyze
from faceforge.media.output import VideoWriter
from faceforge.media.video import read_video


def _textured(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A background with corners everywhere (blurred noise blobs)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def _shifted(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, image.shape[1::-1], flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def test_a_panning_camera_is_measured_and_a_still_one_stays_exactly_still():
    scene = _textured(480, 640)
    panning, still = CameraTracker(), CameraTracker()
    for i in range(6):
        panning.update(_shifted(scene, 4.0 * i, -2.0 * i), None)
        still.update(scene, None)
    last = in_pixels(panning.transforms[-1], (480, 640))
    assert last[:, 2] == pytest.approx([20.0, -10.0], abs=0.6)  # 5 steps of (+4, −2) px
    assert last[:, :2] == pytest.approx(np.eye(2), abs=0.01)
    assert all(np.array_equal(m, np.eye(2, 3)) for m in still.transforms)  # no drift from noise
    # Relative to frame 2, frame 2 is the identity and frame 5 is 3 steps on.
    rel = relative_to(panning.transforms, 2)
    assert rel[2] == pytest.approx(np.eye(2, 3), abs=1e-9)
    assert in_pixels(rel[5], (480, 640))[:, 2] == pytest.approx([12.0, -6.0], abs=0.6)


def test_camera_motion_carries_over_to_a_photo_of_another_size():
    """Normalised transforms: a shift of a tenth of the short side stays a tenth of the short side."""
    m = np.array([[1.0, 0.0, 0.1], [0.0, 1.0, 0.0]])
    assert in_pixels(m, (200, 400))[0, 2] == pytest.approx(20.0)
    assert in_pixels(m, (1000, 600))[0, 2] == pytest.approx(60.0)
    zoom = np.array([[1.2, 0.0, 0.0], [0.0, 1.2, 0.0]])  # about the frame centre
    centre = np.array([(600 - 1) / 2, (1000 - 1) / 2, 1.0])
    assert in_pixels(zoom, (1000, 600)) @ centre == pytest.approx(centre[:2])


def test_the_face_is_left_out_of_the_camera_measurement(astronaut):
    """A head moving over a still background is not a camera motion."""
    lm = analyze(astronaut)[0].landmarks
    scene = _textured(512, 512, seed=1)
    head = np.zeros((512, 512), np.uint8)
    cv2.fillConvexPoly(head, cv2.convexHull(lm[:, :2].astype(np.int32)), 255)
    head = cv2.dilate(head, np.ones((15, 15), np.uint8)) > 0
    tracker = CameraTracker()
    for i in range(5):
        moved = _shifted(astronaut, 3.0 * i, 0.0)
        frame = np.where(_shifted(head.astype(np.uint8), 3.0 * i, 0.0)[..., None] > 0, moved, scene)
        tracker.update(frame, lm + [3.0 * i, 0.0, 0.0])
    assert all(np.abs(in_pixels(m, (512, 512))[:, 2]).max() < 0.5 for m in tracker.transforms)


def test_the_background_moves_with_the_camera_and_the_edges_stay_filled(astronaut):
    lm = analyze(astronaut)[0].landmarks
    renderer = FrameRenderer(astronaut, [lm])
    shift = np.array([[1.0, 0.0, 9.0], [0.0, 1.0, 0.0]])
    target = lm.copy()
    target[:, 0] += 9.0  # the head rides along with the camera
    out = renderer.render([target], camera=shift)
    # A background corner patch moved 9 px right, and the uncovered left edge is filled from the photo.
    assert np.abs(out[10:60, 69:119].astype(int) - astronaut[10:60, 60:110]).mean() < 4
    assert out[:, :9].std() > 5
    still = renderer.render([lm], camera=np.eye(2, 3))
    assert np.array_equal(still, renderer.render([lm]))  # identity camera = the still path


def test_templates_keep_the_camera_and_refuse_a_mismatched_one():
    camera = np.stack([np.eye(2, 3), np.array([[1.0, 0.0, 0.05], [0.0, 1.0, 0.0]])])
    m = MotionTemplate(25.0, [MotionFrame.rest(), MotionFrame.rest()], np.array([1.0, 1.2]), camera)
    back = MotionTemplate.from_bytes(m.to_bytes())
    assert back.camera is not None and back.camera == pytest.approx(camera, abs=1e-6)
    assert back.head(1).camera.shape == (1, 2, 3)
    assert MotionTemplate.from_bytes(MotionTemplate(25.0, m.frames, m.reference_extent).to_bytes()).camera is None
    broken = MotionTemplate(25.0, m.frames, m.reference_extent, camera[:1])
    with pytest.raises(CorruptMedia, match="camera motion"):
        MotionTemplate.from_bytes(broken.to_bytes())


def _pan_clip(path, astronaut, frames=12):
    """A face in front of a textured scene, the camera panning 2 px a frame to the right."""
    face = astronaut[20:300, 110:390]
    scene = _textured(300, 420, seed=2)
    with VideoWriter(path, 25) as w:
        for i in range(frames):
            canvas = scene.copy()
            canvas[40:240, 110:310] = cv2.resize(face, (200, 200))
            w.write(_shifted(canvas, 2.0 * i, 0.0))
    return path


def test_follow_camera_moves_the_background_and_the_default_keeps_it_still(tmp_path, astronaut):
    """A driving clip whose camera pans right: with --follow-camera the photo's background pans too."""
    clip = _pan_clip(tmp_path / "pan.mp4", astronaut)
    outputs = {}
    for follow in (False, True):
        out = tmp_path / f"o{int(follow)}.mp4"
        animate(astronaut, out, driving=clip, options=AnimateOptions(reference_frame=0, follow_camera=follow))
        outputs[follow] = [f.image.astype(int) for f in read_video(out)]
    corner = (slice(400, 500), slice(20, 120))  # the photo's lower-left background, away from the face
    still_change = np.abs(outputs[False][-1][corner] - outputs[False][0][corner]).mean()
    moving = outputs[True][-1][corner]
    expected = _shifted(outputs[True][0].astype(np.uint8), 512 / 300 * 22.0, 0.0)[corner]  # 11 steps of 2 px at 300 px
    assert still_change < 2
    assert np.abs(moving - expected).mean() < np.abs(moving - outputs[True][0][corner]).mean() / 2


def test_a_template_saved_with_the_camera_replays_it(tmp_path, astronaut):
    clip = _pan_clip(tmp_path / "pan.mp4", astronaut, frames=8)
    tpl = tmp_path / "pan.npz"
    follow = AnimateOptions(reference_frame=0, follow_camera=True)
    animate(astronaut, None, driving=clip, options=follow, save_template=tpl)
    motion = MotionTemplate.from_bytes(tpl.read_bytes())
    assert motion.camera is not None and in_pixels(motion.camera[-1], (300, 420))[0, 2] == pytest.approx(14.0, abs=0.8)
    out = tmp_path / "replay.mp4"
    animate(astronaut, out, template=tpl, options=AnimateOptions(follow_camera=True))
    frames = [f.image.astype(int) for f in read_video(out)]
    corner = (slice(400, 500), slice(20, 120))
    assert np.abs(frames[-1][corner] - frames[0][corner]).mean() > 5  # the background moved


def _swaying(astronaut, lm, steps=6, dx=3.0):
    """The photo with its body below the chin sliding dx px right per frame (head and scene still)."""
    from faceforge.faces.masks import PersonSegmenter

    segmenter = PersonSegmenter()
    person = segmenter.person_mask(astronaut) > 128
    segmenter.close()
    below = np.zeros_like(person)
    below[int(lm[152, 1]) + 30 :] = True
    frames = []
    for i in range(steps):
        moved = _shifted(astronaut, dx * i, 0.0)
        body = _shifted((person & below).astype(np.uint8), dx * i, 0.0) > 0
        frames.append(np.where(body[..., None], moved, astronaut))
    return frames


def test_the_body_is_measured_apart_from_a_still_camera(astronaut):
    """Shoulders sliding right under a still head in front of a still scene: the camera stays
    still, the body's motion is measured, and in face units it is the shift over the face height."""
    lm = analyze(astronaut)[0].landmarks
    tracker = CameraTracker()
    for frame in _swaying(astronaut, lm):
        tracker.update(frame, lm)
    assert all(np.abs(in_pixels(m, (512, 512))[:, 2]).max() < 0.5 for m in tracker.transforms)
    assert in_pixels(tracker.bodies[-1], (512, 512))[:, 2] == pytest.approx([15.0, 0.0], abs=1.5)
    height = float(np.ptp(lm[:, 1]))
    rel = body_relative(tracker.bodies, tracker.transforms, 0, (512, 512), lm[152, :2], height)
    assert rel[-1][:, 2] == pytest.approx([15.0 / height, 0.0], abs=1.5 / height)
    # Back in pixels for a face twice the size, the sway is twice as large.
    assert body_in_pixels(rel[-1], np.array([100.0, 300.0]), 2 * height)[:, 2] == pytest.approx([30.0, 0.0], abs=3.0)


def test_the_body_moves_below_the_head_and_the_head_and_scene_stay(astronaut):
    lm = analyze(astronaut)[0].landmarks
    from faceforge.faces.masks import PersonSegmenter

    segmenter = PersonSegmenter()
    person = segmenter.person_mask(astronaut)
    segmenter.close()
    renderer = FrameRenderer(astronaut, [lm], person)
    assert len(renderer.rigs[0].body) > 0  # the suit below the head carries control points
    sway = np.array([[1.0, 0.0, 8.0], [0.0, 1.0, 0.0]])
    out = renderer.render([lm], bodies=[sway]).astype(int)
    still = renderer.render([lm]).astype(int)
    x, y = renderer.rigs[0].body[len(renderer.rigs[0].body) // 2].astype(int)
    patch = (slice(y - 10, y + 10), slice(x - 10, x + 10))
    moved_from = (slice(y - 10, y + 10), slice(x - 18, x + 2))
    assert np.abs(out[patch] - astronaut[moved_from]).mean() < np.abs(out[patch] - astronaut[patch]).mean() / 2
    face = (slice(int(lm[:, 1].min()), int(lm[10, 1]) + 40), slice(int(lm[:, 0].min()), int(lm[:, 0].max())))
    assert np.abs(out[face] - still[face]).mean() < 1.0  # the head does not ride on the body
    assert np.abs(out[:40] - still[:40]).mean() < 0.5  # nor does the scene above it


def test_templates_keep_the_body_motion(tmp_path):
    body = np.stack([np.eye(2, 3), np.array([[1.0, 0.0, 0.05], [0.0, 1.0, 0.0]])])
    m = MotionTemplate(25.0, [MotionFrame.rest(), MotionFrame.rest()], np.array([1.0, 1.2]), None, body)
    back = MotionTemplate.from_bytes(m.to_bytes())
    assert back.camera is None and back.body == pytest.approx(body, abs=1e-6)
    assert back.head(1).body.shape == (1, 2, 3)
    with pytest.raises(CorruptMedia, match="body motion"):
        MotionTemplate.from_bytes(MotionTemplate(25.0, m.frames, m.reference_extent, None, body[:1]).to_bytes())
