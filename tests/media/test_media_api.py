"""Pins the public surface of faceforge.media so nothing leaves it by accident."""

from __future__ import annotations

import dataclasses
import inspect

import faceforge.media as media

EXPECTED = {
    "DEFAULT_MAX_MEGAPIXELS",
    "MAX_MEGAPIXELS_ENV",
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "ImageInfo",
    "ImageLimits",
    "image_info",
    "is_image_file",
    "read_image",
    "write_image_bytes",
    "VideoFrame",
    "VideoInfo",
    "is_video_file",
    "media_in_folder",
    "FolderMedia",
    "probe_video",
    "read_media",
    "read_video",
    "Labeler",
    "NoLabel",
    "VideoWriter",
    "exact_rate",
    "write_image",
    "write_bytes",
    "write_text",
    "write_video",
    "FileSource",
    "FrameSource",
    "WebcamSource",
}


def test_public_names() -> None:
    assert set(media.__all__) == EXPECTED
    for name in EXPECTED:
        assert hasattr(media, name), name


def test_default_limit() -> None:
    assert media.DEFAULT_MAX_MEGAPIXELS == 150.0


def test_info_records_are_frozen_with_the_agreed_fields() -> None:
    assert [f.name for f in dataclasses.fields(media.VideoInfo)] == [
        "path",
        "width",
        "height",
        "fps",
        "frame_count",
        "duration",
        "rotation",
        "has_audio",
        "audio_codec",
        "video_codec",
        "variable_frame_rate",
    ]
    assert [f.name for f in dataclasses.fields(media.VideoFrame)] == ["index", "time", "image"]
    assert [f.name for f in dataclasses.fields(media.ImageInfo)] == [
        "path",
        "width",
        "height",
        "format",
        "mode",
        "exif_rotated",
    ]
    for record in (media.VideoInfo, media.VideoFrame, media.ImageInfo, media.ImageLimits):
        assert record.__dataclass_params__.frozen, record


def test_keyword_only_options() -> None:
    assert inspect.signature(media.read_image).parameters["max_megapixels"].kind is inspect.Parameter.KEYWORD_ONLY
    assert inspect.signature(media.read_video).parameters["max_frames"].kind is inspect.Parameter.KEYWORD_ONLY
    writer = inspect.signature(media.VideoWriter)
    for name in ("audio_from", "crf", "labeler"):
        assert writer.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
