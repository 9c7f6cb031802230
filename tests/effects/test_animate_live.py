"""Live animation through the frame-source test double (no camera needed)."""

from __future__ import annotations

import numpy as np
import pytest

from faceforge.effects.animate.live import LiveAnimator, overlay, run_live
from faceforge.media.live import FileSource
from faceforge.media.output import VideoWriter


@pytest.fixture(scope="module")
def camera_clip(tmp_path_factory, astronaut):
    import cv2

    path = tmp_path_factory.mktemp("cam") / "cam.mp4"
    face = astronaut[20:300, 110:390]
    with VideoWriter(path, 25) as w:
        for i in range(20):
            canvas = np.full((240, 320, 3), 90, np.uint8)
            canvas[20:220, 40 + i : 240 + i] = cv2.resize(face, (200, 200))
            w.write(canvas)
    return path


def test_live_loop_switches_avatars_and_quits(camera_clip, astronaut):
    avatars = [astronaut, np.ascontiguousarray(astronaut[:, ::-1])]
    animator = LiveAnimator(avatars)
    shown, keys = [], iter(["", "", "n", "", "", "q"])
    avatar_seen = []

    def sink(image):
        shown.append(image)
        avatar_seen.append(animator.current)
        return next(keys, "")

    with FileSource(camera_clip) as cam:
        latencies = run_live(cam, animator, sink)
    animator.close()
    assert len(shown) == 6  # stopped at "q"
    assert avatar_seen[:3] == [0, 0, 0] and avatar_seen[3:] == [1, 1, 1]  # "n" switched the avatar
    assert all(img.shape == (512, 512, 3) for img in shown)
    assert len(latencies) == 6 and all(lat > 0 for lat in latencies)


def test_live_follows_the_face_and_overlay_shows_latency(camera_clip, astronaut):
    animator = LiveAnimator([astronaut])
    frames = []
    with FileSource(camera_clip) as cam:
        run_live(cam, animator, lambda img: frames.append(img) or "")
    animator.close()
    assert len(frames) == 20
    # The driving face slides right: the avatar's face moves too (frames differ).
    assert np.abs(frames[-1].astype(int) - frames[1].astype(int)).mean() > 0.3
    marked = overlay(astronaut, "12 ms")
    assert not np.array_equal(marked[:40], astronaut[:40]) and np.array_equal(marked[300:], astronaut[300:])


def test_live_frames_carry_the_watermark(camera_clip, astronaut):
    from faceforge.provenance.watermark import detect_watermark, live_labeler

    animator = LiveAnimator([astronaut])
    frames = []
    with FileSource(camera_clip) as cam:
        run_live(cam, animator, lambda img: frames.append(img) or "", max_frames=3, labeler=live_labeler("animate"))
    animator.close()
    result = detect_watermark(frames[-1][60:])  # below the latency overlay
    assert result.present and result.payload.operation == 1
