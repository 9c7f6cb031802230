"""Media in and out: the only part of faceforge that knows about files, codecs and cameras.

Frames are H×W×3 uint8 RGB numpy arrays everywhere. Readers sniff content (not file
names); every generated file is written through `faceforge.media.output`, which is also
where provenance labels are applied (`Labeler`).
"""

from faceforge.media._sniff import FolderMedia, media_in_folder
from faceforge.media.image import (
    DEFAULT_MAX_MEGAPIXELS,
    MAX_MEGAPIXELS_ENV,
    ImageInfo,
    ImageLimits,
    image_info,
    is_image_file,
    read_image,
    write_image_bytes,
)
from faceforge.media.live import FileSource, FrameSource, WebcamSource
from faceforge.media.output import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    Labeler,
    NoLabel,
    VideoWriter,
    exact_rate,
    write_bytes,
    write_image,
    write_text,
    write_video,
)
from faceforge.media.video import (
    VideoFrame,
    VideoInfo,
    is_video_file,
    probe_video,
    read_media,
    read_video,
)

__all__ = [
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
]
