"""Animate: motion transfer, warp, templates, pipeline and bad input."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from faceforge.effects.animate import AnimateOptions, animate, load_preset, preset_names
from faceforge.effects.animate.motion import (
    MotionFrame,
    MotionTransfer,
    TransferOptions,
    canonical_extent,
    choose_reference,
    face_state,
    fill_missing,
    relative_motion,
)
from faceforge.effects.animate.source import prepare_source
from faceforge.effects.animate.synthesis import FrameRenderer, paint_mouth
from faceforge.effects.animate.template import MotionTemplate, load_template
from faceforge.errors import CorruptMedia, InputError, NoFaceFound
from faceforge.eval.flicker import temporal_flicker
from faceforge.faces import analyze
from faceforge.faces import topology as t
from faceforge.faces.measures import mouth_openness
from faceforge.geometry.warp import PointWarp
from faceforge.media.video import probe_video, read_video
from tests.conftest import grid


@pytest.fixture(scope="module")
def astro_landmarks(astronaut):
    return analyze(astronaut)[0].landmarks


def _yawed(motion_deg: float) -> MotionFrame:
    rot = Rotation.from_euler("y", motion_deg, degrees=True).as_matrix()
    return replace(MotionFrame.rest(), rotation=rot)


def test_rest_motion_keeps_the_source(astro_landmarks):
    tr = MotionTransfer(astro_landmarks, canonical_extent(face_state(astro_landmarks)))
    assert np.abs(tr.target_landmarks(MotionFrame.rest()) - astro_landmarks).max() < 0.05


def test_relative_motion_of_a_frame_with_itself_is_rest(astro_landmarks):
    st = face_state(astro_landmarks)
    m = relative_motion(st, st)
    assert np.allclose(m.rotation, np.eye(3)) and m.scale == pytest.approx(1) and np.abs(m.expression).max() < 1e-9


def test_yaw_moves_the_nose_sideways_and_pose_multiplier_scales_it(astro_landmarks):
    tr = MotionTransfer(astro_landmarks, canonical_extent(face_state(astro_landmarks)))
    nose = astro_landmarks[t.NOSE_TIP, 0]
    full = tr.target_landmarks(_yawed(20))[t.NOSE_TIP, 0] - nose
    half_tr = MotionTransfer(astro_landmarks, canonical_extent(face_state(astro_landmarks)), TransferOptions(pose=0.5))
    half = half_tr.target_landmarks(_yawed(20))[t.NOSE_TIP, 0] - nose
    assert abs(full) > 5
    assert half == pytest.approx(full / 2, rel=0.15)


def test_region_lips_moves_only_the_mouth(astro_landmarks):
    expr = np.zeros((478, 3))
    expr[:, 1] = 0.05  # everything moves down in canonical units
    motion = replace(
        MotionFrame.rest(), expression=expr, rotation=Rotation.from_euler("y", 15, degrees=True).as_matrix()
    )
    ext = canonical_extent(face_state(astro_landmarks))
    out = MotionTransfer(astro_landmarks, ext, TransferOptions(region="lips")).target_landmarks(motion)
    d = np.abs(out - astro_landmarks)[:, :2].max(axis=1)
    assert d[t.MOUTH_CORNERS[0]] > 1.0  # the mouth moved
    assert d[t.RIGHT_IRIS_CENTER] < 0.1 and d[t.FOREHEAD] < 0.1  # eyes and forehead did not, nor the head


def test_wide_face_is_not_squeezed_by_a_narrow_driver(astro_landmarks):
    st = face_state(astro_landmarks)
    expr = np.zeros((478, 3))
    expr[:, 0] = 0.02
    narrow = canonical_extent(st) * np.array([0.5, 1.0])
    wide = MotionTransfer(astro_landmarks, narrow).target_landmarks(replace(MotionFrame.rest(), expression=expr))
    same = MotionTransfer(astro_landmarks, canonical_extent(st)).target_landmarks(
        replace(MotionFrame.rest(), expression=expr)
    )
    # A driver half as wide: its horizontal deltas count double on the wider source face.
    assert (wide[:, 0] - astro_landmarks[:, 0]).mean() == pytest.approx(
        2 * (same[:, 0] - astro_landmarks[:, 0]).mean(), rel=0.05
    )


def test_missing_driving_frames_hold_then_ease_to_rest():
    moved = _yawed(20)
    gone = replace(MotionFrame.rest(), present=False)
    out = fill_missing([moved] * 3 + [gone] * 40, fps=25)
    yaw = [Rotation.from_matrix(m.rotation).magnitude() for m in out]
    assert yaw[3] == pytest.approx(yaw[0])  # held
    assert yaw[-1] < 1e-6  # back at rest
    assert all(a >= b - 1e-9 for a, b in zip(yaw[3:], yaw[4:]))  # monotonic ease


def test_reference_search_finds_the_frame_like_the_source(astro_landmarks):
    st = face_state(astro_landmarks)
    other = face_state(MotionTransfer(astro_landmarks, canonical_extent(st)).target_landmarks(_yawed(25)))
    assert choose_reference([other, None, st, other], st) == 2


def test_warp_identity_and_translation(astronaut, astro_landmarks):
    h, w = astronaut.shape[:2]
    border = np.array(
        [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w / 2, 0), (w / 2, h - 1), (0, h / 2), (w - 1, h / 2)]
    )
    src = np.vstack([astro_landmarks[:, :2], border])
    warp = PointWarp(src, (h, w))
    assert np.array_equal(warp.warp(astronaut, src), astronaut)
    moved = src.copy()
    moved[:478] += (6, 0)
    out = warp.warp(astronaut, moved)
    x, y = astro_landmarks[t.NOSE_TIP, :2].astype(int)
    patch_src = astronaut[y - 10 : y + 10, x - 10 : x + 10].astype(int)
    patch_out = out[y - 10 : y + 10, x - 4 : x + 16].astype(int)
    assert np.abs(patch_out - patch_src).mean() < 3  # the face moved 6 px right
    for edge_out, edge_in in ((out[0], astronaut[0]), (out[:, -1], astronaut[:, -1])):
        assert np.abs(edge_out.astype(int) - edge_in).max() <= 2  # the border does not move


def test_smoothed_warp_closes_the_lids_it_keeps_sharp(astronaut, astro_landmarks):
    """The displacement blur that hides triangle kinks also averages a blink away (the upper
    lid moves a few pixels, the lower lid not at all); the eyelid points stay sharp."""
    from faceforge.effects.eyes import EYELIDS, settle_irises
    from faceforge.faces.measures import eye_openness

    h, w = astronaut.shape[:2]
    border = np.array(
        [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w / 2, 0), (w / 2, h - 1), (0, h / 2), (w - 1, h / 2)]
    )
    src = np.vstack([astro_landmarks[:, :2], border])
    closed = astro_landmarks.copy()
    for loop, corners in ((t.right_eye(), t.RIGHT_EYE_CORNERS), (t.left_eye(), t.LEFT_EYE_CORNERS)):
        mid = closed[list(corners), 1].mean()
        closed[loop, 1] = mid + (closed[loop, 1] - mid) * 0.5  # half closed
    closed = settle_irises(closed, astro_landmarks)
    target = np.vstack([closed[:, :2], border])
    sigma = 0.012 * float(np.ptp(astro_landmarks[:, 1]))
    upper_lids = [159, 386]  # middle of each upper lid
    miss = {}
    for name, sharp in (("blurred", None), ("sharp", EYELIDS)):
        (x0, y0, _, _), map_x, map_y = PointWarp(src, (h, w), smoothing=sigma, sharp=sharp).backward_map(target)
        # Where each closed upper lid is drawn, the warp must sample the photo's upper lid.
        errors = []
        for k in upper_lids:
            x, y = np.round(target[k] - (x0, y0)).astype(int)
            errors.append(np.hypot(map_x[y, x] - src[k, 0], map_y[y, x] - src[k, 1]))
        miss[name] = max(errors)
    lid_travel = float(np.abs(target[upper_lids, 1] - src[upper_lids, 1]).min())
    assert miss["sharp"] < 0.25 * lid_travel and miss["blurred"] > 1.5 * miss["sharp"]
    assert eye_openness(closed)[0] < 0.6 * eye_openness(astro_landmarks)[0]


def test_still_driving_gives_a_still_output(astronaut, astro_landmarks):
    renderer = FrameRenderer(astronaut, [astro_landmarks])
    tr = MotionTransfer(astro_landmarks, canonical_extent(face_state(astro_landmarks)))
    target = tr.target_landmarks(_yawed(8))
    frames = [renderer.render([target]) for _ in range(5)]
    assert temporal_flicker(frames) < 1e-6


def test_opening_a_closed_mouth_paints_a_dark_interior(astro_landmarks):
    canvas = np.full((512, 512, 3), 190, np.uint8)
    target = astro_landmarks.copy()
    lower = [
        i
        for i in range(468)
        if target[i, 1] > target[t.INNER_LIP_PAIRS[1][1], 1] - 1
        and abs(target[i, 0] - target[t.NOSE_TIP, 0]) < 60
        and target[i, 1] < target[t.CHIN, 1] + 1
    ]
    target[lower, 1] += 14  # drop the jaw
    frame = canvas.copy()
    paint_mouth(frame, target, source_open=0.0)
    opening = np.zeros(canvas.shape[:2], np.uint8)
    cv2.fillPoly(opening, [np.round(target[t.inner_lips(), :2]).astype(np.int32)], 1)
    inside = frame[opening > 0].astype(float)
    assert inside.mean() < 190 - 20 and inside.mean(axis=1).min() < 80  # a dark cavity, some teeth
    untouched = canvas.copy()
    paint_mouth(untouched, target, source_open=0.5)  # an open-mouth source is warped, not painted
    assert np.array_equal(untouched, canvas)


def test_templates_round_trip_and_refuse_garbage(tmp_path):
    m = MotionTemplate(25.0, [_yawed(5), replace(MotionFrame.rest(), present=False)], np.array([1.0, 1.2]))
    back = MotionTemplate.from_bytes(m.to_bytes())
    assert back.fps == 25 and len(back.frames) == 2 and back.frames[1].present is False
    assert np.allclose(back.frames[0].rotation, m.frames[0].rotation, atol=1e-6)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a template")
    with pytest.raises(CorruptMedia, match="not a faceforge motion template"):
        load_template(bad)


def test_five_presets_ship_and_move(astronaut):
    names = preset_names()
    assert len(names) >= 5 and {"look-around", "smile", "blink-and-nod", "talking", "dragostea"} <= set(names)
    for name in names:
        m = load_preset(name)
        assert len(m.frames) >= 50
        angles = [Rotation.from_matrix(f.rotation).magnitude() for f in m.frames]
        assert max(angles) > 0.02 or max(np.abs(f.expression).max() for f in m.frames) > 0.01
    with pytest.raises(InputError, match="unknown preset"):
        load_preset("moonwalk")


def test_animate_with_a_preset_writes_video_at_the_photo_size(tmp_path, astronaut):
    out = tmp_path / "a.mp4"
    result = animate(astronaut, out, preset="look-around", options=AnimateOptions(max_frames=12))
    info = probe_video(out)
    assert (info.width, info.height) == (512, 512) and info.frame_count == 12 and info.fps == pytest.approx(25)
    frames = [f.image for f in read_video(out)]
    assert np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean() > 0.5  # it moves
    assert result.faces == 1


def test_save_template_only_and_replay(tmp_path, astronaut):
    tpl = tmp_path / "m.npz"
    animate(astronaut, None, preset="smile", save_template=tpl)
    data = np.load(tpl, allow_pickle=False)
    assert set(data.files) >= {"rotation", "expression", "fps"} and "image" not in data.files
    out = tmp_path / "b.mp4"
    animate(astronaut, out, template=tpl, options=AnimateOptions(max_frames=5))
    assert probe_video(out).frame_count == 5


def test_source_without_a_face_and_a_tiny_face():
    with pytest.raises(NoFaceFound):
        animate(np.full((200, 200, 3), 128, np.uint8), None, preset="smile")


def test_tiny_face_is_refused(astronaut):
    canvas = np.full((900, 900, 3), 120, np.uint8)
    canvas[400:432, 400:432] = cv2.resize(astronaut[40:260, 130:350], (32, 32), interpolation=cv2.INTER_AREA)
    with pytest.raises((InputError, NoFaceFound)):
        animate(canvas, None, preset="smile")


def test_several_faces_default_to_the_largest_with_a_note(astronaut):
    canvas = grid([astronaut[20:300, 100:380]] * 2, cols=2, cell=300)
    rig = prepare_source(canvas, name="pair", face_index=None, all_faces=False, max_size=1920)
    assert len(rig.faces) == 1 and "--face" in rig.note
    both = prepare_source(canvas, name="pair", face_index=None, all_faces=True, max_size=1920)
    assert len(both.faces) == 2
    with pytest.raises(InputError, match="does not exist"):
        prepare_source(canvas, name="pair", face_index=5, all_faces=False, max_size=1920)


def test_a_50_megapixel_photo_is_capped(astronaut):
    big = cv2.resize(astronaut, (8200, 6200), interpolation=cv2.INTER_NEAREST)  # 50.8 MP
    rig = prepare_source(big, name="big", face_index=None, all_faces=False, max_size=1280)
    assert max(rig.image.shape[:2]) == 1280


def test_still_image_as_driving_video_is_refused(tmp_path, astronaut):
    from PIL import Image

    still = tmp_path / "still.png"
    Image.fromarray(astronaut).save(still)
    with pytest.raises(InputError, match="still image"):
        animate(astronaut, tmp_path / "o.mp4", driving=still)
    assert not (tmp_path / "o.mp4").exists()


def _driving_clip(path, astronaut, n=30, gap=range(0, 0), size=(320, 240)):
    from faceforge.media.output import VideoWriter

    face = astronaut[20:300, 110:390]
    with VideoWriter(path, 25) as w:
        for i in range(n):
            canvas = np.full((size[1], size[0], 3), 100, np.uint8)
            if i not in gap:
                side = min(size) - 40
                x = 20 + (i % 10)
                canvas[20 : 20 + side, x : x + side] = cv2.resize(face, (side, side))
            w.write(canvas)
    return path


def test_driving_face_lost_mid_clip_and_other_aspect_ratio(tmp_path, astronaut):
    clip = _driving_clip(tmp_path / "d.mp4", astronaut, n=30, gap=range(10, 20), size=(360, 200))
    out = tmp_path / "o.mp4"
    animate(astronaut, out, driving=clip)
    assert probe_video(out).frame_count == 30


def test_driving_video_without_faces(tmp_path, astronaut):
    clip = _driving_clip(tmp_path / "d.mp4", astronaut, n=10, gap=range(0, 10))
    with pytest.raises(NoFaceFound, match="driving video"):
        animate(astronaut, tmp_path / "o.mp4", driving=clip)
    assert not (tmp_path / "o.mp4").exists()


@pytest.mark.shared
def test_self_reenactment_beats_the_static_frame_and_keeps_audio(tmp_path, shared_data):
    clip = shared_data / "talking/voxceleb/LIA/data/vox/driving2.mp4"
    first = next(iter(read_video(clip))).image
    out = tmp_path / "self.mp4"
    animate(first, out, driving=clip, options=AnimateOptions(max_frames=60, reference_frame=0))
    real = [f.image for f in read_video(clip, max_frames=60)]
    fake = [f.image for f in read_video(out)]
    ours = np.mean([np.abs(a.astype(float) - b).mean() for a, b in zip(fake, real)])
    static = np.mean([np.abs(first.astype(float) - b).mean() for b in real])
    assert ours < static
    assert probe_video(out).has_audio == probe_video(clip).has_audio


def test_rotated_driving_video_is_read_upright(tmp_path, astronaut):
    """A phone clip stored sideways with a display-matrix rotation drives like an upright one."""
    from tests.media.conftest import write_pyav_video

    face = cv2.resize(astronaut[20:300, 110:390], (160, 160))
    frames = []
    for i in range(12):
        canvas = np.full((240, 200, 3), 100, np.uint8)
        canvas[40 + i % 3 : 200 + i % 3, 20:180] = face
        frames.append(np.ascontiguousarray(np.rot90(canvas, k=1)))  # stored lying on its side
    clip = write_pyav_video(tmp_path / "phone.mp4", frames, rotation_ccw=-90)
    info = probe_video(clip)
    assert info.rotation in (90, 270)
    out = tmp_path / "o.mp4"
    animate(astronaut, out, driving=clip)
    assert probe_video(out).frame_count == 12
    # Upright driving: the head barely rolls (a sideways face would be ±90°).
    from faceforge.effects.animate.driving import track_driving

    _, landmarks = track_driving(clip, smoothing=0.0, max_frames=None)
    assert all(lm is not None for lm in landmarks)
    assert abs(analyze(next(iter(read_video(clip))).image, masks=False)[0].pose.roll) < 20


def test_a_blink_covers_the_eye_with_eyelid_skin(astronaut, astro_landmarks):
    """Closing the lids paints skin over the eye instead of squeezing the iris into a smear."""
    from faceforge.effects.animate.synthesis import lid_skin, paint_eyelids
    from faceforge.faces.measures import eye_openness

    target = astro_landmarks.copy()
    for loop, corners in ((t.right_eye(), t.RIGHT_EYE_CORNERS), (t.left_eye(), t.LEFT_EYE_CORNERS)):
        mid_y = target[list(corners), 1].mean()
        target[loop, 1] = mid_y + (target[loop, 1] - mid_y) * 0.1  # lids nearly meet
    assert max(eye_openness(target)) < 0.12
    frame = astronaut.copy()
    skin = lid_skin(astronaut, astro_landmarks)
    paint_eyelids(frame, target, eye_openness(astro_landmarks), skin)
    x, y = astro_landmarks[t.RIGHT_IRIS_CENTER, :2].astype(int)
    assert frame[y - 1 : y + 2, x - 1 : x + 2].mean() > astronaut[y - 1 : y + 2, x - 1 : x + 2].mean() + 40
    still = astronaut.copy()
    paint_eyelids(still, astro_landmarks, eye_openness(astro_landmarks), skin)  # open eyes: untouched
    assert np.array_equal(still, astronaut)


@pytest.mark.shared
def test_the_photo_blinks_with_the_driving_face(tmp_path, shared_data):
    """A driving clip with 4 blinks in 8 s: the animated photo must blink too (the driving
    landmarks' smoothing used to flatten blinks to half their depth, and none came through)."""
    from faceforge.eval.blinks import blinks_followed, eye_openness_trace

    driving = shared_data / "talking/voxceleb/LIA/data/vox/obama.mov"
    photo = next(iter(read_video(shared_data / "talking/speech/video-retalking/examples/face/2.mp4", max_frames=1)))
    out = tmp_path / "blinks.mp4"
    animate(photo.image, out, driving=driving, options=AnimateOptions(max_frames=200))
    blinks, followed = blinks_followed(
        eye_openness_trace(f.image for f in read_video(driving, max_frames=200)),
        eye_openness_trace(f.image for f in read_video(out)),
    )
    assert blinks >= 3
    assert followed == blinks  # before: 2 of 4, and those only to 65 % of the open eye


def test_driving_landmarks_are_smoothed_without_lag():
    """A video's landmarks are smoothed centred in time: jitter shrinks, a step is not delayed,
    and frames without a face split the runs (nothing is smeared across a gap)."""
    from faceforge.effects.animate.driving import smooth_both_ways

    rng = np.random.default_rng(0)
    base = np.zeros((478, 3), np.float32)
    frames = [base + (10.0 if i >= 20 else 0.0) + rng.normal(0, 0.5, base.shape).astype(np.float32) for i in range(40)]
    frames[30] = None
    out = smooth_both_ways(frames, 0.7)

    def jitter(seq):  # mean per-coordinate spread over a still stretch
        return float(np.std(np.stack(seq[2:15]), axis=0).mean())

    assert jitter(out) < 0.75 * jitter(frames)
    means = [float(np.asarray(f).mean()) if f is not None else None for f in out]
    assert means[19] < 5.0 < means[20]  # the step stays between frames 19 and 20 (a causal filter would lag)
    assert out[30] is None and means[31] == pytest.approx(10.0, abs=0.6)
    assert smooth_both_ways(frames, 0.0)[7] is frames[7]
    kept = smooth_both_ways(frames, 0.7, keep=np.array([3, 4]))
    assert np.array_equal(kept[7][3:5], frames[7][3:5]) and not np.array_equal(kept[7][5], frames[7][5])


def test_the_backdrop_beside_a_moving_head_stays_put(astronaut, astro_landmarks):
    """Ring points on the background (person mask 0) barely follow the head, so the scenery next
    to a slim head does not slide along with it; without a mask it does."""
    h, w = astronaut.shape[:2]
    lm = astro_landmarks
    person = np.zeros((h, w), np.uint8)
    cv2.fillConvexPoly(person, cv2.convexHull(lm[t.face_oval(), :2].astype(np.int32)), 255)
    target = lm.copy()
    target[:, 0] += 10.0  # the head moves 10 px right
    centre = lm[:468, :2].mean(axis=0)
    radius = float(np.linalg.norm(lm[t.face_oval(), :2] - centre, axis=1).mean())
    x, y = int(centre[0] + 1.35 * radius), int(centre[1])  # just beyond the face, on the backdrop
    patch = (slice(y - 6, y + 6), slice(x - 6, x + 6))
    masked = FrameRenderer(astronaut, [lm], person).render([target])
    unmasked = FrameRenderer(astronaut, [lm], None).render([target])
    moved_masked = np.abs(masked[patch].astype(int) - astronaut[patch]).mean()
    moved_unmasked = np.abs(unmasked[patch].astype(int) - astronaut[patch]).mean()
    assert moved_masked < 0.5 * moved_unmasked


def test_an_open_mouthed_photo_closing_its_lips_hides_its_teeth(astro_landmarks):
    """The squeezed interior of an open-mouthed photo (teeth) recedes into the lips' shadow as
    the driven mouth nearly closes; while it stays open, nothing is painted."""
    target = astro_landmarks.copy()
    inner = t.inner_lips()
    mid = target[inner, 1].mean()
    target[inner, 1] = mid + 0.15 * (target[inner, 1] - mid)  # inner lips almost meet
    frame = np.full((512, 512, 3), 120, np.uint8)
    cv2.fillPoly(frame, [np.round(target[t.outer_lips(), :2]).astype(np.int32)], (170, 60, 70))  # lips
    cv2.fillPoly(frame, [np.round(target[inner, :2]).astype(np.int32)], (240, 240, 235))  # teeth between them
    before = frame.copy()
    paint_mouth(frame, target, source_open=0.5)
    gap = np.zeros(frame.shape[:2], np.uint8)
    cv2.fillPoly(gap, [np.round(target[inner, :2]).astype(np.int32)], 1)
    assert frame[gap > 0].mean() < before[gap > 0].mean() - 60  # no white line of teeth left
    assert frame[gap > 0].mean(axis=0)[0] > frame[gap > 0].mean(axis=0)[2]  # a reddish lip shadow
    still_open = before.copy()
    paint_mouth(still_open, astro_landmarks, source_open=mouth_openness(astro_landmarks))
    assert np.array_equal(still_open, before)
