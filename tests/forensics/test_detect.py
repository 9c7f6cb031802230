"""`detect` end to end: images, videos and awkward input, through the library, the CLI and the report."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

import faceforge
from faceforge.errors import CorruptMedia
from faceforge.forensics.pipeline import DetectOptions, detect
from tests.conftest import run_cli
from tests.media.conftest import write_pyav_video

ALL_SIGNALS = {"blending", "frequency", "noise", "pulse", "behaviour", "temporal", "shading", "seam", "provenance"}


def _png(path: Path, rgb: np.ndarray) -> Path:
    cv2.imwrite(str(path), np.ascontiguousarray(rgb[:, :, ::-1]))
    return path


@pytest.fixture(scope="module")
def face_video(tmp_path_factory, astronaut) -> Path:
    """4 s at 25 fps of the sample portrait drifting slowly (a still photo 'filmed')."""
    crop = astronaut[0:384, 64:448]
    frames = []
    for i in range(100):
        m = np.float32([[1, 0, 3 * np.sin(i / 10)], [0, 1, 2 * np.cos(i / 13)]])
        frames.append(cv2.warpAffine(crop, m, (384, 384), borderMode=cv2.BORDER_REFLECT))
    return write_pyav_video(tmp_path_factory.mktemp("video") / "still.mp4", frames, rate=25)


def test_image_verdict_has_every_part(tmp_path, astronaut):
    result = faceforge.detect(_png(tmp_path / "a.png", astronaut))
    assert result.kind == "image" and 0.0 <= result.fake_probability <= 1.0
    assert result.risk in {"low", "medium", "high"}
    assert set(result.signals) == ALL_SIGNALS
    for name in ("pulse", "behaviour"):
        assert result.signals[name].score is None and "video" in result.signals[name].reason
    assert result.signals["blending"].score is not None
    d = result.to_dict()
    assert d["faces"][0]["score"] == pytest.approx(result.fake_probability, abs=1e-4)
    assert d["signals"]["pulse"]["score"] == "n/a" and d["timeline"] is None
    json.dumps(d)  # serialisable


def test_self_blended_face_scores_higher_than_the_original(tmp_path, astronaut):
    """The held-in pair, end to end: the real sample vs a self-blended fake of it."""
    from faceforge.faces.analyzer import analyze
    from faceforge.forensics.sbi import self_blend

    face = analyze(astronaut)[0]
    fake = self_blend(astronaut, face.landmarks_2d, np.random.default_rng(3)).image
    real = detect(_png(tmp_path / "real.png", astronaut))
    fake = detect(_png(tmp_path / "fake.png", fake))
    # Logits, not probabilities: a confident real score near 1 leaves no room for a margin.
    assert fake.signals["blending"].details["logit"] > real.signals["blending"].details["logit"] + 1.0
    # The shipped fusion may give the CNN little weight (see bench/README.md), never a negative one.
    assert fake.fake_probability >= real.fake_probability


def test_no_face_is_not_judged(tmp_path):
    gradient = np.dstack(np.meshgrid(np.linspace(0, 255, 320), np.linspace(0, 255, 240)) + [np.full((240, 320), 90.0)])
    result = detect(_png(tmp_path / "wall.png", gradient.astype(np.uint8)))
    assert result.fake_probability is None and result.risk is None
    assert result.summary == "no face found; nothing to judge"


def test_tiny_face_gives_a_clear_answer(tmp_path, astronaut):
    canvas = np.full((1080, 1920, 3), 120, np.uint8)
    canvas[500:540, 900:940] = cv2.resize(astronaut[20:260, 140:380], (40, 40), interpolation=cv2.INTER_AREA)
    result = detect(_png(tmp_path / "tiny.png", canvas))
    if result.fake_probability is None:
        assert "no face" in result.summary or "too small" in result.summary


def test_screenshot_of_a_video_player_is_judged(tmp_path, astronaut):
    screen = np.full((900, 1440, 3), 30, np.uint8)
    screen[100:612, 200:712] = astronaut
    screen[640:660, 200:712] = (200, 0, 0)  # a progress bar
    result = detect(_png(tmp_path / "screenshot.png", screen))
    assert result.fake_probability is not None and len(result.faces) == 1


@pytest.mark.shared
@pytest.mark.parametrize(
    "name",
    [
        "identity-pairs/deepface/tests/unit/dataset/img37.jpg",  # a man before two round 'abc' logos
        "photo/face_recognition/examples/knn_examples/test/obama1.jpg",  # a man before a White House sign
    ],
)
def test_a_photo_with_face_like_patterns_is_judged_on_its_one_face(shared_data, name):
    """Every face detect finds is judged, so a logo taken for a face could raise a false alarm:
    detect's face search (image tiles only) does not take the logos for faces, where the
    thorough search of the effects does, in the mirror padding at the photo's edges."""
    from faceforge.faces import analyze
    from faceforge.media.image import read_image

    path = shared_data / "portraits" / name
    result = detect(path)
    assert len(result.faces) == 1
    assert len(analyze(read_image(path), masks=False, thorough=False)) == 1


@pytest.mark.shared
def test_thorough_search_also_judges_the_small_faces_cut_by_a_group_selfies_edges(shared_data):
    path = shared_data / "portraits/identity-pairs/deepface/tests/unit/dataset/selfie-many-people.jpg"
    default = detect(path, DetectOptions(heatmaps=False, suspicious_frames=0))
    thorough = detect(path, DetectOptions(heatmaps=False, suspicious_frames=0, thorough_search=True))
    assert len(default.faces) == 4 and len(thorough.faces) >= 6


@pytest.mark.shared
def test_cli_thorough_flag_reaches_the_photo_search(shared_data, tmp_path, capsys):
    path = shared_data / "portraits/identity-pairs/deepface/tests/unit/dataset/selfie-many-people.jpg"
    counts = []
    for extra in ((), ("--thorough",)):
        out = tmp_path / f"r{len(extra)}.json"
        assert run_cli(capsys, "detect", str(path), "--json", str(out), *extra)[0] == 0
        counts.append(len(json.loads(out.read_text())["files"][0]["faces"]))
    assert counts[0] == 4 and counts[1] >= 6


def test_video_has_tracks_and_a_timeline(face_video):
    result = detect(face_video)
    assert result.kind == "video" and result.fake_probability is not None
    face = result.faces[0]
    assert len(face.frames) >= 25 and face.frames_scored >= 5  # 4 s at 8 analysed fps; 6 samples asked
    assert all(0.0 <= p.probability <= 1.0 for p in result.timeline)
    assert [p.time for p in result.timeline] == sorted(p.time for p in result.timeline)
    # A point for every analysed frame, with the signal scores fused into it.
    assert [p.frame for p in result.timeline] == list(face.frames)
    assert {"temporal", "shading", "seam", "noise"} <= set(result.timeline[-1].scores)
    assert result.signals["pulse"].score is not None or result.signals["pulse"].reason
    # A frame signal's reason says how it was pooled and what it saw in its most suspicious frame.
    noise = result.signals["noise"]
    assert f"of {int(noise.details['frames'])} sampled frames" in noise.reason
    assert f"highest {noise.details['max']:.2f} at " in noise.reason and "surroundings" in noise.reason
    assert result.suspicious and result.suspicious[0].image.ndim == 3
    # The report's frames are the timeline's most suspicious sampled frames, at the timeline's value.
    timeline = {p.frame: p.probability for p in result.timeline}
    sampled = sorted((timeline[frame] for frame, _, _ in face.samples), reverse=True)
    shown = [c.probability for c in result.suspicious]
    assert shown == [timeline[c.frame] for c in result.suspicious] == sampled[: len(shown)]
    d = result.to_dict()
    assert d["timeline"] and {"frame", "time", "score"} <= set(d["timeline"][0])
    # A still photo moved about: its skin's detail changes less than a camera's would.
    assert result.signals["temporal"].details["ratio"] < 0.85, result.signals["temporal"].reason


def test_a_video_without_heatmaps_gets_the_same_verdict_and_no_pictures(face_video):
    """heatmaps=False (`faceforge detect` without --report) skips every picture's work, the
    track signals' included, and changes no score."""
    full = detect(face_video)
    plain = detect(face_video, DetectOptions(heatmaps=False, suspicious_frames=0))
    assert plain.fake_probability == full.fake_probability
    assert {n: s.score for n, s in plain.signals.items()} == {n: s.score for n, s in full.signals.items()}
    assert [p.probability for p in plain.timeline] == [p.probability for p in full.timeline]
    assert any(s.heatmap is not None for s in full.signals.values())
    assert all(s.heatmap is None for s in plain.signals.values()) and plain.suspicious == []


def test_summary_names_the_signals_in_words():
    from types import SimpleNamespace

    from faceforge.forensics.pipeline import _summary

    worst = SimpleNamespace(contributions={"temporal": 2.6, "noise": 0.9, "blending": 0.1})
    text = _summary(0.9, "medium", 1, worst)
    assert (
        text == "possibly manipulated: the face scores 90% (mostly frame-to-frame detail, then noise and compression)"
    )
    assert "mostly" not in _summary(0.1, "low", 2, worst)


def test_one_second_clip_says_pulse_needs_more(tmp_path, astronaut):
    frames = [astronaut[0:384, 64:448]] * 25
    result = detect(write_pyav_video(tmp_path / "short.mp4", frames, rate=25))
    assert result.signals["pulse"].score is None and "3 s" in result.signals["pulse"].reason
    shading = result.signals["shading"]  # compares frames 1 s apart: too few such pairs in 1 s
    assert shading.score is None and "1 s apart" in shading.reason and "seen for" in shading.reason
    assert any("short clip" in n for n in result.notes)
    # Frame-to-frame detail, shading and seam flicker, the video signals with skill on the
    # benchmark, need more of the clip: the frame signals alone (no skill on video) do not judge it.
    assert result.fake_probability is None and result.risk is None
    assert result.summary.startswith("faces found, but not judged: frame-to-frame detail")
    assert "no evidence, so nothing to say" in result.summary
    assert result.signals["noise"].score is not None  # still reported, with its reason
    assert result.timeline == [] and result.suspicious == []  # no made-up scores anywhere


def test_grey_and_rotated_videos(tmp_path, astronaut):
    grey = cv2.cvtColor(cv2.cvtColor(astronaut[0:384, 64:448], cv2.COLOR_RGB2GRAY), cv2.COLOR_GRAY2RGB)
    result = detect(write_pyav_video(tmp_path / "grey.mp4", [grey] * 90, rate=25))
    # One frame shown for 3.6 s: the signals that judge video need a face that lives; it says so.
    assert result.fake_probability is None and result.faces
    assert "not judged" in result.summary and "still picture shown as video" in result.summary
    assert result.signals["pulse"].score is None and result.signals["pulse"].reason
    # One frame shown for 3.6 s: its shading "stays put", but that is no sign of a fake face.
    assert result.signals["shading"].score is None and "does not change" in result.signals["shading"].reason
    # Stored sideways with a display matrix (a phone video): the face must still be found.
    sideways = np.ascontiguousarray(np.rot90(astronaut[0:384, 64:448], k=1))
    rotated = detect(write_pyav_video(tmp_path / "rotated.mp4", [sideways] * 50, rate=25, rotation_ccw=-90))
    assert rotated.faces, "a face in a rotated video was not found"


def test_corrupted_video_is_a_clear_error(tmp_path, face_video):
    broken = tmp_path / "broken.mp4"
    data = face_video.read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    with pytest.raises(CorruptMedia):
        detect(broken)


def _helper_threads() -> list[threading.Thread]:
    """detect's decoding and tracking helpers still alive."""
    return [t for t in threading.enumerate() if t.name in {"faceforge-decode", "faceforge-track"}]


def test_stopping_early_leaves_no_decoder_running(face_video):
    """max_duration ends the analysis mid-file: the decoding and tracking threads are stopped and joined by then."""
    result = detect(face_video, DetectOptions(max_duration=0.5))
    assert 1 <= result.frames_analysed <= 6  # a few a second of a 4 s clip: it did stop early
    assert not _helper_threads()


def test_an_error_while_tracking_reaches_the_caller_and_stops_the_helpers(face_video, monkeypatch):
    from faceforge.faces.tracker import FaceTracker

    calls = []

    def failing_update(self, image, time=None):  # noqa: ANN001, ANN202
        calls.append(time)
        if len(calls) == 3:
            raise RuntimeError("tracker broke")
        return []

    monkeypatch.setattr(FaceTracker, "update", failing_update)
    with pytest.raises(RuntimeError, match="tracker broke"):
        detect(face_video)
    assert len(calls) == 3
    assert not _helper_threads()


def test_options_are_checked():
    with pytest.raises(ValueError, match="analysis_fps"):
        DetectOptions(analysis_fps=0)
    with pytest.raises(ValueError, match="frame_samples"):
        DetectOptions(frame_samples=0)


# ----------------------------------------------------------------------------- CLI and report


def test_cli_json_and_report(tmp_path, capsys, astronaut, face_video):
    image = _png(tmp_path / "portrait.png", astronaut)
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    code, out, _ = run_cli(
        capsys, "detect", str(image), str(face_video), "--json", str(out_json), "--report", str(out_html)
    )
    assert code == 0
    assert "portrait.png" in out and "risk" in out
    files = json.loads(out_json.read_text())["files"]
    assert [Path(f["file"]).name for f in files] == ["portrait.png", "still.mp4"]
    for f in files:
        assert {"fake_probability", "risk", "faces", "signals", "timeline"} <= set(f)
        assert set(f["signals"]) == ALL_SIGNALS
    assert files[1]["timeline"] and files[1]["faces"][0]["frames"]
    page = out_html.read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page and "data:image/jpeg;base64," in page
    assert "http://" not in page and "https://" not in page and "<script" not in page  # self-contained, offline
    assert "Blending boundary" in page or "blending" in page.lower()
    assert "AUC" in page  # each signal's measured error rates
    # The still photo drifting: the temporal signal's picture of where the skin stayed frozen.
    assert "Over the whole clip" in page and "stayed frozen" in page
    assert "frame pairs within 1 s of it" in page  # how the timeline's points are judged
    # Several files: an overview, the most suspicious first, linked to each file's section.
    overview = page[page.index("<h2>Overview</h2>") : page.index("id=file-1")]
    order = sorted(files, key=lambda f: -f["fake_probability"])
    assert [overview.index(Path(f["file"]).name) for f in order] == sorted(
        overview.index(Path(f["file"]).name) for f in order
    )
    assert "href='#file-1'" in overview and "href='#file-2'" in overview and "id=file-2" in page
    code, _, _ = run_cli(capsys, "detect", str(image), "--report", str(out_html))
    assert code == 0 and "Overview" not in out_html.read_text()  # one file: nothing to overview


def test_report_of_a_photo_with_two_faces_says_which_face_is_which(tmp_path, astronaut):
    """The file's signals are its most suspicious face's: the report names that face, captions
    each frame with its face, and lists the faces without a video's frame span."""
    from faceforge.faces.analyzer import analyze
    from faceforge.forensics.fusion import load_fusion
    from faceforge.forensics.pipeline import all_signal_infos
    from faceforge.forensics.report import render_report
    from faceforge.forensics.sbi import self_blend

    face = analyze(astronaut)[0]
    fake = self_blend(astronaut, face.landmarks_2d, np.random.default_rng(3)).image
    both = np.concatenate([astronaut, np.full((512, 64, 3), 128, np.uint8), fake], axis=1)
    result = detect(_png(tmp_path / "two.png", both))
    assert len(result.faces) == 2
    worst = max(result.faces, key=lambda f: f.probability)
    page = render_report([result], load_fusion(), all_signal_infos())
    assert f"The signals of face {worst.track}, the most suspicious of the 2 faces" in page
    assert f"the image, face {worst.track}: {worst.probability:.0%}" in page
    faces = page[page.index("<h3>Faces</h3>") :]
    assert "face 0" in faces and "face 1" in faces and "Seen in frames" not in faces


def test_cli_analysis_fps_defaults_to_the_library_default(tmp_path, capsys, astronaut, monkeypatch):
    import faceforge.forensics.pipeline as pipeline

    seen, drawn = [], []
    real_detect = pipeline.detect

    def spy(path, options=DetectOptions(), **kwargs):  # noqa: ANN001, ANN003, ANN202, B008
        seen.append(options.analysis_fps)
        drawn.append((options.heatmaps, options.suspicious_frames))
        return real_detect(path, options, **kwargs)

    monkeypatch.setattr(pipeline, "detect", spy)
    image = _png(tmp_path / "portrait.png", astronaut)
    assert run_cli(capsys, "detect", str(image))[0] == 0
    assert run_cli(capsys, "detect", str(image), "--analysis-fps", "3")[0] == 0
    assert seen == [DetectOptions().analysis_fps, 3.0]
    # Heatmaps and the suspicious frames' crops feed only the HTML report: drawn only for one.
    assert drawn == [(False, 0), (False, 0)]
    assert run_cli(capsys, "detect", str(image), "--report", str(tmp_path / "r.html"))[0] == 0
    assert drawn[-1] == (True, DetectOptions().suspicious_frames)
    _, out, _ = run_cli(capsys, "detect", "--help")
    assert f"default {DetectOptions().analysis_fps:g};" in " ".join(out.split())


def test_cli_bad_inputs(tmp_path, capsys, astronaut):
    good = _png(tmp_path / "ok.png", astronaut)
    out_json = tmp_path / "r.json"
    code, _, err = run_cli(capsys, "detect", str(tmp_path / "missing.mp4"), str(good), "--json", str(out_json))
    assert code == 2 and "missing.mp4" in err and "Traceback" not in err
    files = json.loads(out_json.read_text())["files"]
    assert "error" in files[0] and files[1]["fake_probability"] is not None
    code, _, err = run_cli(capsys, "detect", str(good), "--json", str(tmp_path / "r.txt"))
    assert code == 2 and "--json must end in .json" in err
    garbage = tmp_path / "fake.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    code, _, err = run_cli(capsys, "detect", str(garbage))
    assert code == 2 and "fake.mp4" in err


def test_cli_screens_every_image_and_video_of_a_folder_and_sums_up(tmp_path, capsys, astronaut, monkeypatch):
    from dataclasses import replace

    from faceforge.forensics import fusion as fusion_module

    shipped = fusion_module.load_fusion()
    # A still-image combiner measured without skill: its note applies to every photo.
    unskilled = replace(shipped.image, meta={**shipped.image.meta, "signal_stats": {"fused": {"auc": 0.55}}})
    monkeypatch.setattr(fusion_module, "load_fusion", lambda: replace(shipped, image=unskilled))
    folder = tmp_path / "downloads"
    (folder / "trip").mkdir(parents=True)
    _png(folder / "portrait.png", astronaut)
    _png(folder / "trip" / "mirrored.png", astronaut[:, ::-1])
    _png(folder / "trip" / "wall.png", np.full((120, 160, 3), 128, np.uint8))
    (folder / "trip" / "cut.mp4").write_bytes(b"")
    (folder / "readme.txt").write_text("not media")
    empty = tmp_path / "empty"
    empty.mkdir()
    out_json = tmp_path / "r.json"
    code, out, err = run_cli(capsys, "detect", str(folder), str(empty), "--json", str(out_json))
    assert code == 2  # a damaged file and a folder without media; the rest is still screened
    assert "passed over 1 file that are not images or videos" in err
    assert "cut.mp4: is empty" in err and "empty: the folder holds no image or video" in err
    assert "portrait.png" in out and "no face found" in out
    assert "4 files" in out and "1 not judged (no face" in out and "1 could not be read" in out
    assert out.count("has not yet shown skill") == 1  # the note about still images: once, not per photo
    files = [Path(f["file"]).name for f in json.loads(out_json.read_text())["files"]]
    assert files == ["empty", "portrait.png", "cut.mp4", "mirrored.png", "wall.png"]


def test_cli_no_face_exit_code(tmp_path, capsys):
    wall = _png(tmp_path / "wall.png", np.full((200, 300, 3), 128, np.uint8))
    code, out, _ = run_cli(capsys, "detect", str(wall))
    assert code == 1 and "no face found" in out


def test_heavily_compressed_image_is_judged_with_a_warning(tmp_path, astronaut):
    path = tmp_path / "blocky.jpg"
    cv2.imwrite(str(path), np.ascontiguousarray(astronaut[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 3])
    result = detect(path)
    assert result.fake_probability is not None
    assert any("heavily compressed" in n for n in result.notes)


def test_watermarked_video_is_high_risk_whatever_the_pixels(tmp_path, astronaut):
    """A faceforge swap re-encoded at CRF 28 without its manifest: the watermark alone decides."""
    from faceforge.media.output import VideoWriter
    from faceforge.provenance.watermark import FACEFORGE_GENERATOR, OPERATIONS, WatermarkLabeler, WatermarkPayload

    payload = WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS["swap"], 0xC0FFEE42)
    path = tmp_path / "labelled.mp4"
    with VideoWriter(path, 25, crf=28, labeler=WatermarkLabeler(payload)) as writer:
        for _ in range(40):
            writer.write(astronaut[0:384, 64:448])
    result = detect(path)
    assert result.risk == "high" and result.fake_probability >= 0.99
    assert result.signals["provenance"].score == 1.0 and "watermark" in result.summary


def test_watermarked_photo_is_high_risk_and_read_from_the_decoded_pixels(tmp_path, astronaut, monkeypatch):
    """A labelled still without its manifest: the watermark decides; the label check reuses the
    pixels `detect` decoded (the file is decoded once)."""
    from faceforge.media import image as media_image
    from faceforge.provenance import verify
    from faceforge.provenance.watermark import FACEFORGE_GENERATOR, OPERATIONS, WatermarkPayload, embed_watermark

    payload = WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS["swap"], 0xC0FFEE43)
    path = _png(tmp_path / "labelled.png", embed_watermark(astronaut, payload))
    reads = []
    real_read = media_image.read_image

    def counting_read(p, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        reads.append(p)
        return real_read(p, *args, **kwargs)

    monkeypatch.setattr(verify, "read_image", counting_read)
    result = detect(path)
    assert result.risk == "high" and result.fake_probability >= 0.99
    assert result.signals["provenance"].score == 1.0 and "watermark" in result.summary
    assert reads == []  # the label check used the pixels already decoded
    assert verify.verify_file(path).watermark.present and len(reads) == 1  # on its own it reads the file


def test_large_photo_is_analysed_scaled_down_and_its_label_still_read(tmp_path, astronaut, monkeypatch):
    """A labelled 4.2 MP JPEG: the analysis sees at most `photo_megapixels` (the JPEG decoded at a
    reduced size), the result gives the photo's own size, and the watermark is still found in the
    scaled pixels; `photo_megapixels=None` analyses it at full size."""
    from PIL import Image

    from faceforge.faces import analyzer
    from faceforge.provenance.watermark import FACEFORGE_GENERATOR, OPERATIONS, WatermarkPayload, embed_watermark

    big = cv2.resize(astronaut, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    payload = WatermarkPayload(FACEFORGE_GENERATOR, OPERATIONS["swap"], 0xC0FFEE44)
    path = tmp_path / "big.jpg"
    Image.fromarray(embed_watermark(big, payload)).save(path, quality=92)
    seen = []
    real_analyze = analyzer.analyze

    def spying_analyze(image, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen.append(image.shape[:2])
        return real_analyze(image, *args, **kwargs)

    monkeypatch.setattr(analyzer, "analyze", spying_analyze)
    result = detect(path)
    assert seen[-1][0] * seen[-1][1] <= DetectOptions().photo_megapixels * 1e6 and seen[-1][0] == seen[-1][1]
    assert (result.width, result.height) == (2048, 2048) and result.to_dict()["media"]["width"] == 2048
    assert result.signals["provenance"].score == 1.0 and result.risk == "high"
    assert result.faces and result.faces[0].signals["blending"].score is not None
    detect(path, DetectOptions(photo_megapixels=None))
    assert seen[-1] == (2048, 2048)
    with pytest.raises(ValueError, match="photo_megapixels"):
        DetectOptions(photo_megapixels=0)


def test_a_combiner_without_measured_skill_says_so(tmp_path, astronaut):
    """The verdict carries a plain warning when the combiner's benchmark AUC is near chance, and
    goes no higher than medium."""
    from faceforge.forensics.fusion import FusionModel

    signals = ("blending", "frequency", "noise")

    def model(auc_value: float, low: float | None = None, high: float | None = None) -> FusionModel:
        fused = {"auc": auc_value, "eer": 0.5, "n": 60}
        if low is not None:
            fused |= {"auc_low": low, "auc_high": high}
        # Thresholds every probability reaches: what the risk says is up to the skill alone.
        meta = {"signal_stats": {"fused": fused}}
        return FusionModel(signals, (1.0, 0.0, 0.0), 0.0, (0.0,) * 3, (1.0,) * 3, 1e-6, 2e-6, meta=meta)

    image = _png(tmp_path / "a.png", astronaut)
    weak = detect(image, fusion=model(0.26))
    assert any("has not yet shown skill" in n and "AUC 0.26" in n for n in weak.notes)
    # Its 'high' would catch real photos as often as fakes: it says medium at most.
    assert weak.risk == "medium" and all(f.risk == "medium" for f in weak.faces)
    strong = detect(image, fusion=model(0.9, 0.8, 0.97))
    assert not any("skill" in n for n in strong.notes)
    assert strong.risk == "high"
    # Above MIN_SKILL_AUC, but its interval reaches down to chance: not told from chance either.
    unsure = detect(image, fusion=model(0.65, 0.46, 0.77))
    assert any("has not yet shown skill" in n and "95 % interval 0.46–0.77" in n for n in unsure.notes)
    assert unsure.risk == "medium"


def test_a_face_only_signals_without_skill_could_judge_is_not_judged(tmp_path, astronaut):
    """A verdict needs a deciding signal (`FusionModel.deciding_signals`): here blending, the one
    weighed signal whose benchmark AUC alone reaches MIN_SKILL_AUC. With it n/a, frequency and
    noise alone (weighed too, but near chance) give no verdict; with it present they do."""
    from faceforge.forensics.blending import BlendingSignal
    from faceforge.forensics.fusion import FusionModel

    stats = {"blending": {"auc": 0.8}, "frequency": {"auc": 0.52}, "noise": {"auc": 0.45}, "fused": {"auc": 0.8}}
    signals = ("blending", "frequency", "noise")
    model = FusionModel(signals, (1.0, 0.5, 0.5), 0.0, (0.0,) * 3, (1.0,) * 3, 0.35, 0.7, meta={"signal_stats": stats})
    assert model.deciding_signals == ("blending",)
    image = _png(tmp_path / "a.png", astronaut)
    judged = detect(image, fusion=model)
    assert judged.fake_probability is not None and judged.faces[0].probability is not None

    class Blind(BlendingSignal):
        def score_face(self, image, face, *, want_heatmap=False):  # noqa: ANN001, ANN202
            return FaceEvidence(None, reason="face too small for the test")

    from faceforge.forensics import pipeline
    from faceforge.forensics.signal import FaceEvidence

    original = pipeline.frame_signals
    try:
        pipeline.frame_signals = lambda: [Blind() if s.info.name == "blending" else s for s in original()]
        blind = detect(image, fusion=model)
    finally:
        pipeline.frame_signals = original
    assert blind.fake_probability is None and blind.risk is None and blind.suspicious == []
    assert blind.faces[0].probability is None
    assert blind.signals["frequency"].score is not None  # the other signals are still reported
    assert "blending boundary (the signal that tells fakes apart" in blind.summary
    assert "face too small for the test" in blind.summary


def test_timeline_stretches_and_the_note_that_points_there():
    from faceforge.forensics.fusion import FusionModel
    from faceforge.forensics.pipeline import stretch_notes, timeline_stretches
    from faceforge.forensics.result import TimelinePoint

    def timeline(levels: list[float], fps: float = 5.0) -> list[TimelinePoint]:
        return [TimelinePoint(i, i / fps, p) for i, p in enumerate(levels)]

    model = FusionModel(("x",), (1.0,), 0.0, (0.0,), (1.0,), medium=0.5, high=0.8)
    # 12 s at 5 points a second: high from 4 s to 7 s (15 points), a 1 s blip at 10 s.
    levels = [0.3] * 20 + [0.9] * 16 + [0.3] * 14 + [0.95] * 5 + [0.3] * 5
    assert timeline_stretches(timeline(levels), 0.8) == [(4.0, 7.0)]  # the blip is too short to point at
    assert timeline_stretches(timeline(levels), 0.8, min_seconds=0.5) == [(4.0, 7.0), (10.0, 10.8)]
    (note,) = stretch_notes(timeline(levels), model)
    assert "reaches 'high' at 4.0–7.0 s" in note and "look there first" in note
    # Nothing to point at: all low, or the whole clip high (the verdict says it already).
    assert stretch_notes(timeline([0.3] * 60), model) == []
    assert stretch_notes(timeline([0.9] * 60), model) == []
    # A gap in the timeline (the face away for over a second) ends a stretch.
    gappy = [TimelinePoint(i, t, 0.9) for i, t in enumerate([0.0, 0.5, 1.0, 1.5, 4.0, 4.5])]
    assert timeline_stretches(gappy, 0.8, min_seconds=1.0) == [(0.0, 1.5)]
