"""Pure helpers of bench/detect_corpus.py: normalisation, resampling, grouping, selection."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from faceforge.eval.splits import detect_split
from faceforge.media.image import read_image
from faceforge.media.output import write_video
from faceforge.media.video import probe_video, read_video
from tests.conftest import load_bench

dc = load_bench("detect_corpus")


def _item(source: str, group: str, family: str = "real-talking", kind: str = "video"):
    return dc.Item(dc.make_id(family, Path(source).stem, source), source, "real", family, kind, group, Path(source))


# ----------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("w", "h", "even", "expected"),
    [
        (1920, 1080, True, (456, 256)),  # 455.1 → nearest even
        (256, 256, True, (256, 256)),
        (98, 140, True, (256, 366)),  # 365.7 → 366 (upscaled)
        (99, 140, False, (256, 362)),  # 362.1, odd allowed for stills
        (512, 320, True, (410, 256)),
    ],
)
def test_target_size_short_side_and_even(w, h, even, expected):
    assert dc.target_size(w, h, 256, even=even) == expected


def test_target_size_rejects_empty():
    with pytest.raises(ValueError, match="positive"):
        dc.target_size(0, 10)


def test_resize_short_side_down_and_up():
    rng = np.random.default_rng(0)
    big = rng.integers(0, 256, (1080, 1921, 3), dtype=np.uint8)
    small = dc.resize_short_side(big, 256, even=True)
    assert small.shape == (256, 456, 3) and small.dtype == np.uint8
    flat = np.full((50, 70, 3), 77, np.uint8)
    up = dc.resize_short_side(flat, 256, even=True)
    assert up.shape == (256, 358, 3)
    assert np.all(up == 77)  # bicubic keeps a flat picture flat
    same = np.zeros((256, 300, 3), np.uint8)
    assert dc.resize_short_side(same, 256) is same


# ----------------------------------------------------------------------------- resampling


def _frames(times):
    """(time, image) pairs whose image's first pixel holds the source index."""
    for i, t in enumerate(times):
        image = np.zeros((2, 2, 3), np.uint8)
        image[0, 0, 0] = i % 256
        image[0, 0, 1] = i // 256
        yield t, image


def _indices(out):
    return [int(im[0, 0, 0]) + 256 * int(im[0, 0, 1]) for im in out]


def test_resample_drops_frames_by_timestamp():
    times = [i / 30 for i in range(300)]  # 30 fps, 10 s
    out = _indices(dc.resample_frames(_frames(times), 25, 8.0, 1 / 30))
    assert len(out) == 200  # cut at 8 s
    assert out == [int(np.floor(k / 25 * 30 + 1e-9)) for k in range(200)]


def test_resample_repeats_frames_and_keeps_the_last_one_on_screen():
    times = [i / 10 for i in range(20)]  # 10 fps, 2 s
    out = _indices(dc.resample_frames(_frames(times), 25, 8.0, 0.1))
    assert len(out) == 50  # the source lasts 2.0 s
    assert out[:6] == [0, 0, 0, 1, 1, 2]  # t = 0, .04, .08 | .12, .16 | .2
    assert out[-1] == 19


def test_resample_counts_from_the_first_frame_and_follows_variable_delays():
    times = [5.0, 5.1, 5.5, 5.52]  # an offset start; 100, 400, 20 ms and a final 100 ms
    out = _indices(dc.resample_frames(_frames(times), 25, 8.0, 0.1))
    # t: .00 .04 .08 | .12 ... .48 | .52 .56 ... (.52 + .1 = .62 end)
    assert out == [0, 0, 0] + [1] * 10 + [3] * 3


def test_resample_reads_no_further_than_needed():
    consumed = []

    def endless():
        for i in range(10_000):
            consumed.append(i)
            yield i / 50, np.zeros((1, 1, 3), np.uint8)

    out = list(dc.resample_frames(endless(), 25, 1.0, 0.02))
    assert len(out) == 25
    assert len(consumed) < 60


def test_resample_rejects_bad_rate():
    with pytest.raises(ValueError, match="fps"):
        list(dc.resample_frames(_frames([0.0]), 0, 8.0))


# ----------------------------------------------------------------------------- normalising real files


def _clip(path: Path, n: int, fps: float, size: tuple[int, int]) -> Path:
    h, w = size
    rng = np.random.default_rng(1)
    frames = [np.clip(rng.normal(128, 40, (h, w, 3)), 0, 255).astype(np.uint8) for _ in range(n)]
    return write_video(path, frames, fps, crf=30)


def test_normalise_video_writes_the_fixed_format(tmp_path):
    src = _clip(tmp_path / "src.mp4", 36, 12, (60, 100))  # 3 s at 12 fps, 100×60
    dst = tmp_path / "out" / "clip.mp4"
    n = dc.normalise_video(src, dst)
    info = probe_video(dst)
    assert n == 75 == info.frame_count  # 3 s at 25 fps
    assert (info.width, info.height) == (426, 256)
    assert info.fps == pytest.approx(25)
    assert info.video_codec == "h264" and not info.has_audio


def test_normalise_video_cuts_long_clips(tmp_path):
    src = _clip(tmp_path / "long.mp4", 50, 5, (24, 32))  # 10 s at 5 fps
    dst = tmp_path / "long_out.mp4"
    assert dc.normalise_video(src, dst) == round(dc.MAX_SECONDS * dc.FPS)
    assert probe_video(dst).duration == pytest.approx(dc.MAX_SECONDS, abs=0.05)


def test_normalise_image_drops_metadata(tmp_path):
    src = tmp_path / "photo.jpg"
    pil = Image.fromarray(np.full((300, 500, 3), 90, np.uint8))
    exif = Image.Exif()
    exif[0x010F] = "SomeCamera"  # Make
    pil.save(src, quality=70, exif=exif, comment=b"hello")
    dst = tmp_path / "n" / "photo.jpg"
    dc.normalise_image(src, dst)
    with Image.open(dst) as im:
        assert im.size == (427, 256)
        assert len(im.getexif()) == 0 and "comment" not in im.info
    assert read_image(dst).shape == (256, 427, 3)


def test_orig_stats_bitrate_units(tmp_path):
    image = tmp_path / "a.png"
    Image.fromarray(np.zeros((20, 40, 3), np.uint8)).save(image)
    stats = dc.orig_stats(image, "image")
    size = image.stat().st_size
    assert (stats["orig_w"], stats["orig_h"], stats["orig_short_side"]) == (40, 20, 20)
    assert stats["orig_bitrate_kbps"] == pytest.approx(size * 8 / 800 * 1000, abs=0.1)
    assert stats["orig_duration_s"] == "" and stats["orig_fps"] == ""
    clip = _clip(tmp_path / "c.mp4", 20, 10, (24, 32))
    vs = dc.orig_stats(clip, "video")
    assert vs["orig_duration_s"] == pytest.approx(2.0, abs=0.05)
    assert vs["orig_bitrate_kbps"] == pytest.approx(clip.stat().st_size * 8 / vs["orig_duration_s"] / 1000, rel=0.01)


def test_normalise_item_skips_matching_files_and_force_rebuilds(tmp_path):
    src = tmp_path / "p.png"
    Image.fromarray(np.full((64, 64, 3), 50, np.uint8)).save(src)
    item = dc.Item("real-photo/p-000000", "x/p.png", "real", "real-photo", "image", "g", src)
    store = dc.ParamStore(tmp_path / "corpus" / "params.json")
    assert dc.normalise_item(item, tmp_path / "corpus", store) is True
    again = dc.ParamStore(tmp_path / "corpus" / "params.json")  # as on the next run
    assert dc.normalise_item(item, tmp_path / "corpus", again) is False
    assert dc.normalise_item(item, tmp_path / "corpus", again, force=True) is True
    Image.fromarray(np.full((64, 64, 3), 60, np.uint8)).save(src)  # the source changed
    src.touch()
    assert dc.normalise_item(item, tmp_path / "corpus", again) is True


# ----------------------------------------------------------------------------- groups and families


@pytest.mark.parametrize(
    ("rel", "group"),
    [
        ("talking/mead/dreamtalk/data/style_clip/video/W009_front_sad_level3_001.mp4", "person:W009"),
        ("talking/hdtf/SadTalker/examples/ref_video/WDA_KatieHill_000.mp4", "person:KatieHill"),
        ("talking/speech/video-retalking/examples/face/3.mp4", "person:AlexandriaOcasioCortez"),
        (
            "talking/hdtf/SadTalker/examples/ref_video/WDA_AlexandriaOcasioCortez_000.mp4",
            "person:AlexandriaOcasioCortez",
        ),
        ("talking/speech/video-retalking/examples/face/1.mp4", "clip:video-retalking/1"),
        ("talking/voxceleb/LIA/data/vox/obama.mov", "person:obama"),
        ("talking/voxceleb/LIA/data/vox/driving1.mp4", "clip:LIA/driving1"),
        ("forensics/dfdc/DeepFake-Detect/prepared_dataset/fake/abqwwspghj-005-00.png", "dfdc:qzimuostzz"),
        ("forensics/dfdc/DeepFake-Detect/train_sample_videos/abqwwspghj.mp4", "dfdc:qzimuostzz"),
        ("forensics/dfdc/DeepFake-Detect/prepared_dataset/real/abarnvbtwb-003-00.png", "dfdc:abarnvbtwb"),
        ("forensics/dreamtalk/x/output_video/a@M030_front_neutral_level1_001@male_face.mp4", "dreamtalk:male_face"),
        ("forensics/sadtalker/SadTalker-generated/docs/resize_no.gif", "sadtalker:portraits"),
        ("forensics/ffpp-frames/FaceForensics/images/ex_neuraltextures.png", "ffpp:ff-example"),
        ("forensics/ffpp-frames/FaceForensics/images/ex_original.png", "ffpp:ff-example"),
        ("forensics/ffpp-frames/FaceForensics/images/ex_original_actors.png", "ffpp:dfd-actor"),
        ("forensics/stylegan/M/sample_files/images/fake/00C64W8TYZ.jpg", "stylegan:00C64W8TYZ"),
    ],
)
def test_group_for(rel, group):
    assert dc.group_for(rel, {"abqwwspghj": "qzimuostzz"}) == group


def _row(file, label="real", family="mead", kind="video", content="real person"):
    return {"file": file, "label": label, "family": family, "kind": kind, "content": content}


def test_classify_keeps_eval_media_only():
    mead = "talking/mead/dreamtalk/data/style_clip/video/M030_front_sad_level3_001.mp4"
    assert dc.classify(_row(mead), True) == ("real-talking", "real", "video")
    assert dc.classify(_row("talking/voxceleb/LIA/data/vox/taylor.png", kind="image"), False) == (
        "real-photo",
        "real",
        "image",
    )
    gif = "forensics/sadtalker/SadTalker-generated/docs/example_crop.gif"
    assert dc.classify(_row(gif, "fake", "sadtalker"), True) == ("sadtalker", "fake", "video")
    real_crop = "forensics/dfdc/DeepFake-Detect/prepared_dataset/real/abarnvbtwb-003-00.png"
    assert dc.classify(_row(real_crop, "real", "dfdc", "image"), False) == ("dfdc", "real", "image")
    mask = "forensics/ffpp-frames/FaceForensics/images/ex_deepfakes_mask.png"
    assert dc.classify(_row(mask, "mask", "ffpp-frames", "image"), False) is None
    labels = "forensics/dfdc/DeepFake-Detect/train_sample_videos/metadata.json"
    assert dc.classify(_row(labels, "labels", "dfdc", "other"), False) is None
    painting = "talking/voxceleb/LIA/data/vox/mona_lisa.png"
    assert dc.classify(_row(painting, kind="image", content="painting"), False) is None
    assert dc.classify(_row("talking/voxceleb2/x/clip.mp4"), True) is None  # TRAIN
    assert dc.classify(_row("portraits/photo/a.jpg", kind="image"), False) is None  # TRAIN


# ----------------------------------------------------------------------------- made-fake selection


def _clips():
    people = ["person:M030"] * 4 + ["person:W009"] * 3 + ["clip:a", "clip:b"]
    return [_item(f"talking/x/{i}.mp4", g) for i, g in enumerate(people)]


def test_round_robin_takes_one_per_group_in_turn_and_is_seeded():
    clips = _clips()
    order = dc.round_robin(clips, random.Random("s"))
    assert sorted(it.id for it in order) == sorted(it.id for it in clips)
    assert len({it.group for it in order[:4]}) == 4  # every group before any repeats
    assert [it.id for it in dc.round_robin(clips, random.Random("s"))] == [it.id for it in order]


def test_partners_are_other_identities():
    clips = _clips()
    for target in clips:
        found = dc.partners(target, clips, random.Random(1), n=3)
        assert len(found) == 3 and all(p.group != target.group for p in found)


def test_plan_is_deterministic_and_made_fakes_take_the_target_group():
    clips = _clips()
    counts = {"swap-video": 5, "animate": 3, "swap-still": 2}
    first = dc.plan(clips, counts)
    assert [(op, t.id, [p.id for p in ps]) for op, t, ps in first] == [
        (op, t.id, [p.id for p in ps]) for op, t, ps in dc.plan(clips, counts)
    ]
    assert [op for op, _, _ in first].count("swap-video") == 5
    op, target, partner_list = first[0]
    made = dc.Recipe(op, target, partner_list[0]).item(Path("/made"))
    assert made.group == target.group and made.label == "fake" and made.family == "faceforge-swap"
    assert made.source == f"{target.source}|{partner_list[0].source}@0.00s"
    animate = dc.Recipe("animate", target, partner_list[0]).item(Path("/made"))
    assert animate.family == "faceforge-animate" and animate.group == target.group
    assert animate.source.startswith(f"{target.source}@0.00s|")


def test_summary_counts_items_and_groups():
    rows = [
        {"family": "a", "label": "real", "kind": "video", "group": "g1"},
        {"family": "a", "label": "real", "kind": "video", "group": "g1"},
        {"family": "a", "label": "fake", "kind": "video", "group": "g2"},
    ]
    table, groups = dc.summary(rows)
    assert table == [["a", "fake", "video", 1, 1], ["a", "real", "video", 2, 1]]
    assert groups == 2


# ----------------------------------------------------------------------------- the real manifest


@pytest.mark.shared
def test_collect_real_holds_only_eval_media(shared_data, manifest):
    items = dc.collect_real(shared_data, manifest)
    assert items, "no eval media found"
    assert all(detect_split(it.source) == "eval" for it in items)
    assert not any("mask" in it.source or it.source.endswith(".json") for it in items)
    assert len({it.id for it in items}) == len(items)
    groups = {it.group for it in items}
    assert {"person:M030", "person:W009", "person:W011"} <= groups
    gifs = [it for it in items if it.source.endswith(".gif")]
    assert gifs and all(it.kind == "video" for it in gifs)
    first = next(iter(read_video(gifs[0].path, max_frames=1))).image
    assert first.dtype == np.uint8
