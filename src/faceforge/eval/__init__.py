"""Evaluation toolkit shared by the benchmarks in bench/.

- identity: dlib face-embedding distance between images / along a video.
- landmarks: dlib 68-point landmarks (independent of MediaPipe) and the 300-W
  normalised mean error.
- metrics: L1, PSNR, SSIM.
- flicker: temporal warping error (Lai et al. 2018).
- contact_sheet: grids of frames for eyeballing results.
"""

from faceforge.eval.contact_sheet import contact_sheet, save_contact_sheet
from faceforge.eval.flicker import temporal_flicker, temporal_flicker_pairs
from faceforge.eval.identity import identity_distance_images, identity_distances, image_embedding
from faceforge.eval.landmarks import dlib_landmarks, landmark_error, landmark_error_images
from faceforge.eval.metrics import l1, psnr, ssim

__all__ = [
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
