"""`animate()`: a still photo made to move by a driving video, a template or a preset."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from faceforge.effects.animate.camera import CameraTracker
from faceforge.effects.animate.driving import motion_from_landmarks, track_driving
from faceforge.effects.animate.motion import MotionTransfer, Region, TransferOptions, face_state
from faceforge.effects.animate.source import SourceRig, prepare_source
from faceforge.effects.animate.template import MotionTemplate, load_preset, load_template
from faceforge.errors import InputError
from faceforge.faces.topology import CHIN

Progress = Callable[[str, int, int | None], None]  # (phase, done, total)


@dataclass(frozen=True)
class AnimateOptions:
    """pose/expression: motion multipliers; region: all|expression|pose|eyes|lips;
    reference_frame: driving frame the motion is relative to (None = the one closest
    to the source); face: which source face (None = the largest) or all_faces;
    max_size: cap on the output's longer side (pixels); smoothing: driving landmark
    smoothing 0..1 (a video: centred over time, no lag; the webcam: One Euro);
    max_frames: animate only the first N driving frames; follow_camera: move the photo's
    background the way the driving video's camera moves (pans, zooms, a crop that follows
    the head), and its body below the head the way the driving body sways against that
    camera, instead of keeping both still."""

    pose: float = 1.0
    expression: float = 1.0
    region: Region = "all"
    reference_frame: int | None = None
    face: int | None = None
    all_faces: bool = False
    max_size: int = 1920
    smoothing: float = 0.6
    max_frames: int | None = None
    follow_camera: bool = False

    def transfer(self) -> TransferOptions:
        return TransferOptions(pose=self.pose, expression=self.expression, region=self.region)


@dataclass(frozen=True)
class AnimateResult:
    output: Path | None
    frames: int
    fps: float
    size: tuple[int, int]  # w, h
    faces: int
    note: str


def render_frames(rig: SourceRig, motion: MotionTemplate, options: AnimateOptions) -> Iterator[np.ndarray]:
    """Yield the animated frames (H×W×3 uint8 RGB) for each motion frame."""
    from faceforge.effects.animate.camera import body_in_pixels, in_pixels

    transfers = [MotionTransfer(lm, motion.reference_extent, options.transfer()) for lm in rig.landmarks]
    follow = options.follow_camera and motion.camera is not None
    chins = [(lm[CHIN, :2].astype(np.float64), float(np.ptp(lm[:, 1]))) for lm in rig.landmarks]
    for i, m in enumerate(motion.frames):
        camera = in_pixels(motion.camera[i], rig.image.shape[:2]) if follow else None  # type: ignore[index]
        bodies = (
            [body_in_pixels(motion.body[i], c, h) for c, h in chins] if follow and motion.body is not None else None
        )
        yield rig.renderer.render([tr.target_landmarks(m) for tr in transfers], camera, bodies)


def animate(
    source: np.ndarray | str | Path,
    output: str | Path | None,
    *,
    driving: str | Path | None = None,
    template: str | Path | None = None,
    preset: str | None = None,
    options: AnimateOptions = AnimateOptions(),
    labeler: Any = None,
    save_template: str | Path | None = None,
    on_progress: Progress | None = None,
) -> AnimateResult:
    """Animate the face(s) of `source` (a photo path or an H×W×3 uint8 RGB array)
    with exactly one of `driving` (a video), `template` (a motion file) or `preset`
    (a built-in motion), writing an H.264 MP4 at the driving frame rate with the
    driving video's audio. `output` None renders nothing (e.g. only save a template).
    `labeler` is the provenance labeler the output writer applies to every frame."""
    from faceforge.media.image import read_image
    from faceforge.media.output import VideoWriter, write_bytes

    given = [x for x in (driving, template, preset) if x is not None]
    if len(given) != 1:
        raise InputError("give exactly one motion: a driving video, a motion template or a preset")
    progress = on_progress or (lambda phase, done, total: None)
    name = "source image" if isinstance(source, np.ndarray) else str(source)
    image = source if isinstance(source, np.ndarray) else read_image(source)
    rig = prepare_source(
        image, name=name, face_index=options.face, all_faces=options.all_faces, max_size=options.max_size
    )
    if driving is not None:
        camera = CameraTracker() if options.follow_camera else None
        try:
            fps, landmarks = track_driving(
                Path(driving),
                smoothing=options.smoothing,
                max_frames=options.max_frames,
                on_frame=lambda i: progress("tracking the driving face", i + 1, None),
                camera=camera,
            )
        finally:
            if camera is not None:
                camera.close()
        motion = motion_from_landmarks(
            fps,
            landmarks,
            face_state(rig.landmarks[0]),
            options.reference_frame,
            camera,
        )
    else:
        motion = load_template(template) if template is not None else load_preset(str(preset))
        if options.follow_camera and motion.camera is None:
            what = f"the motion template {template}" if template is not None else f"the preset {preset!r}"
            raise InputError(
                f"{what} has no camera motion to follow; --follow-camera needs a driving video (--driving) "
                "(or a template saved from one with --follow-camera)"
            )
        if options.max_frames is not None:
            motion = motion.head(options.max_frames)
    if save_template is not None:
        write_bytes(save_template, motion.to_bytes())
    h, w = rig.image.shape[:2]
    if output is None:
        return AnimateResult(None, len(motion.frames), motion.fps, (w, h), len(rig.faces), rig.note)
    total = len(motion.frames)
    audio = Path(driving) if driving is not None else None
    with VideoWriter(output, motion.fps, audio_from=audio, labeler=labeler) as writer:
        for i, frame in enumerate(render_frames(rig, motion, options)):
            writer.write(frame)
            progress("rendering", i + 1, total)
    return AnimateResult(Path(output), total, motion.fps, (w, h), len(rig.faces), rig.note)
