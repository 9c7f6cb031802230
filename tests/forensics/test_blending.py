"""The blending-boundary signal (trained CNN, run with onnxruntime) and the self-blended images it learned from."""

from __future__ import annotations

import dataclasses
import json

import cv2
import numpy as np
import pytest

from faceforge.errors import DependencyError
from faceforge.faces.face import Face
from faceforge.forensics.blending import MIN_IOD_PX, BlendingSignal, inter_ocular
from faceforge.forensics.sbi import blend_mask, boundary_map, self_blend
from faceforge.forensics.signal import FrameSignal

SBI_MARGIN = 0.5  # a self-blend (what the model was trained on) must score this much above its original
PASTE_MARGIN = 0.25  # a crude paste (never seen in training) this much


@pytest.fixture(scope="module")
def signal() -> BlendingSignal:
    return BlendingSignal()


def _scaled(face: Face, k: float) -> Face:
    return dataclasses.replace(face, landmarks=face.landmarks * np.float32(k), masks=None)


def _hull_mask(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(points).astype(np.int32)), 1)
    return mask.astype(bool)


# ----------------------------------------------------------------------------- the trained model


def test_model_loads_with_its_crop_spec(signal):
    model = signal.model
    assert isinstance(signal, FrameSignal)
    assert signal.info.name == "blending" and signal.info.explanation
    assert model.size == 128 and model.context == pytest.approx(1.6)
    assert model.meta["training"]["val_auc"] > 0.8
    logits, maps = model.run(np.zeros((2, model.size, model.size, 3), np.uint8))
    assert logits.shape == (2,) and maps.ndim == 3 and maps.shape[0] == 2
    assert 0.0 <= maps.min() and maps.max() <= 1.0


def test_self_blended_astronaut_scores_above_the_real_one(signal, astronaut, astronaut_face):
    real = signal.score_face(astronaut, astronaut_face)
    fake_img = self_blend(astronaut, astronaut_face.landmarks_2d, np.random.default_rng(3)).image
    fake = signal.score_face(fake_img, astronaut_face)
    assert real.score is not None and fake.score is not None
    assert fake.score > real.score + SBI_MARGIN, (real.score, fake.score)
    # Each score comes with what the detector saw, in words, and the map's peak it quotes.
    for ev in (real, fake):
        seen = "sees a blend boundary" if ev.score >= 0.5 else "sees no clear blend boundary"
        assert seen in ev.reason and f"{ev.details['boundary_max']:.2f}" in ev.reason


def test_crude_paste_scores_above_the_real_one(signal, astronaut, astronaut_face):
    """Another face region pasted over the face: a brighter, warmer, enlarged copy with a hard edge."""
    h, w = astronaut.shape[:2]
    cx, cy = astronaut_face.center
    warp = cv2.getRotationMatrix2D((cx, cy), 6.0, 1.12)
    other = cv2.warpAffine(astronaut, warp, (w, h), borderMode=cv2.BORDER_REFLECT_101).astype(np.float32)
    other = np.clip(other * 1.1 + np.array([18.0, 6.0, -10.0], np.float32), 0, 255).astype(np.uint8)
    inner = astronaut_face.landmarks_2d[astronaut_face.landmarks_2d[:, 1] > cy - 0.25 * astronaut_face.height]
    mask = _hull_mask((h, w), inner)
    pasted = astronaut.copy()
    pasted[mask] = other[mask]
    real = signal.score_face(astronaut, astronaut_face).score
    fake = signal.score_face(pasted, astronaut_face).score
    assert fake > real + PASTE_MARGIN, (real, fake)


def test_heatmap_is_a_frame_map_that_lights_up_the_seam(signal, astronaut, astronaut_face):
    blend = self_blend(astronaut, astronaut_face.landmarks_2d, np.random.default_rng(3))
    ev = signal.score_face(blend.image, astronaut_face, want_heatmap=True)
    hm = ev.heatmap
    assert hm is not None and hm.shape == astronaut.shape[:2] and hm.dtype == np.float32
    assert 0.0 <= hm.min() and hm.max() <= 1.0
    assert hm.max() > 0.3
    x0, y0, x1, y1 = astronaut_face.box
    pad = 0.3 * astronaut_face.width
    near = np.zeros(hm.shape, bool)
    near[int(max(0, y0 - pad)) : int(y1 + pad), int(max(0, x0 - pad)) : int(x1 + pad)] = True
    assert hm[near].sum() > 0.8 * hm.sum()  # the seam is around the face, not in the background
    assert signal.score_face(blend.image, astronaut_face).heatmap is None  # only when asked


def test_tiny_face_is_not_judged(signal, astronaut, astronaut_face):
    k = 0.9 * MIN_IOD_PX / inter_ocular(astronaut_face)
    small = cv2.resize(astronaut, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    ev = signal.score_face(small, _scaled(astronaut_face, k), want_heatmap=True)
    assert ev.score is None and "too small" in ev.reason and ev.heatmap is None


def test_score_faces_matches_score_face(signal, astronaut, astronaut_face):
    tiny = _scaled(astronaut_face, 0.1)
    batch = signal.score_faces(astronaut, [astronaut_face, tiny, astronaut_face])
    single = signal.score_face(astronaut, astronaut_face)
    assert [e.score is None for e in batch] == [False, True, False]
    assert batch[0].score == pytest.approx(single.score, abs=1e-5)
    assert batch[2].score == pytest.approx(single.score, abs=1e-5)


def test_missing_or_corrupt_model_is_a_dependency_error(tmp_path, astronaut, astronaut_face):
    with pytest.raises(DependencyError, match="missing"):
        BlendingSignal(tmp_path / "absent.onnx").score_face(astronaut, astronaut_face)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not an onnx file")
    broken.with_suffix(".json").write_text(
        json.dumps(
            {"input": {"size": 128, "context": 1.6, "normalisation": {"scale": 1, "mean": [0] * 3, "std": [1] * 3}}}
        )
    )
    with pytest.raises(DependencyError, match="cannot be loaded"):
        BlendingSignal(broken).score_face(astronaut, astronaut_face)
    broken.with_suffix(".json").write_text("{")
    with pytest.raises(DependencyError, match="corrupt"):
        BlendingSignal(broken).score_face(astronaut, astronaut_face)


# ----------------------------------------------------------------------------- self-blended images


def test_boundary_map_is_face_xray_formula():
    m = np.linspace(0, 1, 11, dtype=np.float32)[None]
    b = boundary_map(m)
    assert b.dtype == np.float32
    np.testing.assert_allclose(b, 4 * m * (1 - m), atol=1e-6)
    assert b[0, 5] == pytest.approx(1.0) and b[0, 0] == 0 and b[0, -1] == 0


def test_self_blend_shapes_and_determinism(astronaut, astronaut_face):
    lm = astronaut_face.landmarks_2d
    a = self_blend(astronaut, lm, np.random.default_rng(11))
    b = self_blend(astronaut, lm, np.random.default_rng(11))
    c = self_blend(astronaut, lm, np.random.default_rng(12))
    assert a.image.shape == astronaut.shape and a.image.dtype == np.uint8
    assert a.boundary.shape == a.mask.shape == astronaut.shape[:2]
    assert a.boundary.dtype == a.mask.dtype == np.float32
    assert 0 <= a.mask.min() and a.mask.max() <= 1 and 0 <= a.boundary.min() and a.boundary.max() <= 1
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.boundary, b.boundary)
    assert not np.array_equal(a.image, c.image)
    np.testing.assert_allclose(a.boundary, boundary_map(a.mask), atol=1e-6)
    assert not np.array_equal(a.image, astronaut)


def test_self_blend_boundary_lies_on_the_mask_edge(astronaut, astronaut_face):
    lm = astronaut_face.landmarks_2d
    h, w = astronaut.shape[:2]
    hull = _hull_mask((h, w), lm)
    size = float(np.ptp(lm[:, 0]))
    nose = tuple(np.round(lm[1]).astype(int))[::-1]
    far = cv2.distanceTransform((~hull).astype(np.uint8), cv2.DIST_L2, 3) > 0.5 * size
    hull_edge = cv2.morphologyEx(hull.astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    to_hull_edge = cv2.distanceTransform((~hull_edge).astype(np.uint8), cv2.DIST_L2, 3)
    checked = 0
    for seed in range(30):
        blend = self_blend(astronaut, lm, np.random.default_rng(seed))
        if blend.mask.max() < 0.999:  # a partial blend ratio: the whole face is "boundary"
            continue
        checked += 1
        edge = cv2.morphologyEx((blend.mask > 0.5).astype(np.uint8), cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
        to_edge = cv2.distanceTransform((~edge).astype(np.uint8), cv2.DIST_L2, 3)
        peak = blend.boundary > 0.5 * blend.boundary.max()
        assert np.median(to_edge[peak]) < 0.1 * size, seed  # the boundary peaks on the mask's edge...
        assert np.median(to_hull_edge[edge]) < 0.15 * size, seed  # ...which follows the face outline
        assert blend.boundary[nose] < 0.05 and blend.boundary[far].max() < 0.01, seed
    assert checked >= 8


def test_blend_mask_and_input_checks(astronaut, astronaut_face):
    m = blend_mask(astronaut.shape[:2], astronaut_face.landmarks_2d, np.random.default_rng(0))
    assert m.shape == astronaut.shape[:2] and m.dtype == np.float32 and m.max() > 0.99
    with pytest.raises(ValueError, match="image"):
        self_blend(astronaut.astype(np.float32), astronaut_face.landmarks_2d, np.random.default_rng(0))
    with pytest.raises(ValueError, match="landmarks"):
        self_blend(astronaut, astronaut_face.landmarks_2d[:2], np.random.default_rng(0))
