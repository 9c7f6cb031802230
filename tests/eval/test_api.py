"""Pin the public surface of faceforge.eval so nothing leaves it by accident."""

from __future__ import annotations

import faceforge.eval as ev


def test_public_surface():
    assert sorted(ev.__all__) == sorted(
        [
            "identity_distance_images",
            "identity_distances",
            "image_embedding",
            "dlib_landmarks",
            "landmark_error",
            "landmark_error_images",
            "l1",
            "psnr",
            "ssim",
            "temporal_flicker",
            "temporal_flicker_pairs",
            "contact_sheet",
            "save_contact_sheet",
        ]
    )
    assert all(callable(getattr(ev, name)) for name in ev.__all__)


def test_importing_loads_no_model():
    import faceforge.faces.dlib_models as dm

    # the loaders are functools caches: nothing is built until first use
    for loader in (dm.shape_predictor_5, dm.shape_predictor_68, dm.face_encoder, dm.hog_detector):
        assert hasattr(loader, "cache_info")
