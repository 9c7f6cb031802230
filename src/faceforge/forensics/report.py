"""One self-contained HTML file that explains `detect` results to a person.

No scripts, no external fonts or images: frames are inline JPEG, the timeline is inline SVG, so the
file can be mailed or archived and opens offline. Every signal is listed with what it looks at,
what fools it, and its measured error rates on faceforge's benchmark (from the fusion model's
metadata, written by `bench/detect.py --fit`).
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import math
import os
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from faceforge.forensics.fusion import Combiner, Fusion
from faceforge.forensics.pipeline import TRACK_SIGNALS
from faceforge.forensics.result import Detection, FaceVerdict, SuspiciousFrame, TimelinePoint
from faceforge.forensics.signal import SignalInfo, SignalScore
from faceforge.text import plural

_RISK_COLOURS = {"high": "#c62828", "medium": "#ef6c00", "low": "#2e7d32", None: "#616161"}
_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:24px;color:#222}
h1{font-size:24px}h2{font-size:20px;margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:2px 10px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0}td,th{border-bottom:1px solid #eee;padding:6px;
text-align:left;vertical-align:top}th{background:#fafafa}.dim{color:#666;font-size:13px}
.frames{display:flex;flex-wrap:wrap;gap:12px}.frames figure{margin:0}.frames img{display:block;max-width:300px}
.note{background:#fff8e1;border-left:4px solid #ffb300;padding:6px 10px;margin:6px 0}
td.file{width:40%;overflow-wrap:anywhere}td.nowrap{white-space:nowrap}
"""


def render_report(results: Sequence[Detection], fusion: Fusion, infos: Sequence[SignalInfo]) -> str:
    """The report as one HTML string. `infos` describe the signals (title, explanation)."""
    by_name = {i.name: i for i in infos}
    now = _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>faceforge detect report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>faceforge: fake-face screening report</h1>",
        f"<p class=dim>Made {html.escape(now)} on this computer; nothing was uploaded. "
        f"{plural(len(results), 'file')}.</p>",
        _how_to_read(fusion),
    ]
    labels = file_labels([r.path for r in results])
    if len(results) > 1:
        parts.append(_overview(results, labels))
    for i, result in enumerate(results):
        parts.append(_file_section(result, fusion, by_name, anchor=f"file-{i + 1}", label=labels[i]))
    parts.append(_signals_section(fusion, infos))
    parts.append("</body></html>")
    return "\n".join(parts)


def _how_to_read(fusion: Fusion) -> str:
    video, image = fusion.video, fusion.image
    highs = [
        f"{model.high:.0%} for {what}" for what, model in (("a video", video), ("an image", image)) if model.shows_skill
    ]
    silent = [what for what, model in (("videos", video), ("still images", image)) if not model.shows_skill]
    no_high = (
        f" The model for {' and '.join(silent)} has not shown skill on the benchmark, so it says at most "
        "<b>medium</b> (only a provenance label that declares AI generation makes such a file high risk)."
        if silent
        else ""
    )
    high = (
        f"<b>high</b> from {' and '.join(highs)} (chosen on the benchmark's real media so that at most 5 % of "
        "new real ones like them should reach it), "
        if highs
        else ""
    )
    return (
        "<p>Each file gets a <b>fake probability</b> (0–100 %) from several independent signals combined by a "
        "model fitted on faceforge's benchmark (one for videos, one for still images), and a <b>risk level</b>: "
        f"{high}<b>medium</b> from {video.medium:.0%} for a video and {image.medium:.0%} for an image (at most "
        f"20 % of real ones), else <b>low</b>.{no_high} A low risk is not proof that a face is real: "
        "new kinds of fakes can fool every signal. A file without a face is not judged, nor one whose faces "
        "the signals with skill on the benchmark could not judge (too small, or seen too briefly): the others "
        "alone are no evidence.</p>"
        "<p>In each file's table, <b>Push</b> is how far a signal moved the verdict (log-odds; positive "
        "towards fake; for a still image all of it comes from the signal least like a real photo's). "
        "<b>not weighed</b>: the combiner for that kind of media gives the signal no weight, "
        "because it showed no skill there on the benchmark; its score is shown for what it is worth.</p>"
    )


def file_labels(paths: Sequence[Path]) -> list[str]:
    """How the report names each file: its path below the folder all of them share, so that
    photos of the same name in different folders (a folder of frame folders) can be told apart;
    the bare name when there is one file, or when the files have no folder in common."""
    if len(paths) < 2:
        return [p.name for p in paths]
    resolved = [p.resolve() for p in paths]
    try:
        common = Path(os.path.commonpath([p.parent for p in resolved]))
    except ValueError:  # different drives (Windows)
        return [p.name for p in paths]
    return [str(p.relative_to(common)) for p in resolved]


def _overview(results: Sequence[Detection], labels: Sequence[str]) -> str:
    """Every file in one table, the most suspicious first, each linked to its section."""

    def suspicion(i: int) -> float:  # files without a verdict last
        p = results[i].fake_probability
        return -1.0 if p is None else p

    order = sorted(range(len(results)), key=suspicion, reverse=True)
    rows = ["<h2>Overview</h2><table><tr><th>File</th><th>Risk</th><th>Fake probability</th><th>Finding</th></tr>"]
    for i in order:
        r = results[i]
        rows.append(
            f"<tr><td class=file><a href='#file-{i + 1}'>{html.escape(labels[i])}</a></td>"
            f"<td class=nowrap>{_badge(r)}</td><td>{_probability(r)}</td><td>{html.escape(r.summary)}</td></tr>"
        )
    rows.append("</table>")
    return "".join(rows)


def _badge(r: Detection) -> str:
    colour = _RISK_COLOURS.get(r.risk, "#616161")
    return f"<span class=badge style='background:{colour}'>{html.escape(r.risk or 'not judged')}</span>"


def _probability(r: Detection) -> str:
    return "—" if r.fake_probability is None else f"{r.fake_probability:.0%}"


def _file_section(r: Detection, fusion: Fusion, infos: dict[str, SignalInfo], anchor: str, label: str) -> str:
    out = [
        f"<h2 id={anchor}>{html.escape(label)}</h2>",
        f"<p>{_badge(r)} fake probability <b>{_probability(r)}</b> — {html.escape(r.summary)}</p>",
        f"<p class=dim>{html.escape(str(r.path))} · {r.kind} {r.width}×{r.height}"
        + (f" · {r.duration:.1f} s" if r.duration else "")
        + (f" · {plural(r.frames_analysed, 'frame')}" if r.kind == "video" else "")
        + f" analysed in {r.seconds:.1f} s</p>",
    ]
    out += [f"<div class=note>{html.escape(n)}</div>" for n in r.notes]
    if r.signals:
        worst = _verdict_face(r)
        contributions = worst.contributions if worst else {}
        if worst is not None and len(r.faces) > 1:
            out.append(
                f"<p>The signals of {_face_name(r, worst.track)}, the most suspicious of the {len(r.faces)} "
                "faces (each face's score is in the table of faces below):</p>"
            )
        model = fusion.for_kind(r.kind)
        weighed = {n for n, w in zip(model.signals, model.weights) if w > 0}
        out.append("<table><tr><th>Signal</th><th>Score</th><th>Push</th><th>What it found</th></tr>")
        for name, s in r.signals.items():
            out.append(_signal_row(name, s, contributions.get(name), infos, weighed=name in weighed))
        out.append("</table>")
    pictures = [(n, s.crop, s.heatmap) for n, s in r.signals.items() if s.crop is not None and s.heatmap is not None]
    if pictures:
        out.append("<h3>Over the whole clip</h3><div class=frames>")
        out += [_signal_figure(n, crop, heatmap, infos) for n, crop, heatmap in pictures]
        out.append("</div>")
    if r.timeline:
        from faceforge.forensics import shading, temporal

        out.append("<h3>Timeline</h3>" + _timeline_svg(r.timeline, fusion.video, r.duration))
        out.append(
            "<p class=dim>The fake probability of the most suspicious face at each analysed frame: "
            "frame-to-frame detail and seam flicker judged over the frame pairs within "
            f"{temporal.LOCAL_HALF_WINDOW_S:g} s of it, "
            f"shading over those within {shading.LOCAL_HALF_WINDOW_S:g} s, the frame signals at the nearest "
            "sampled frame, and the other signals over the whole face track. A stretch that rises above the "
            "rest is where to look.</p>"
        )
    if r.suspicious:
        out.append("<h3>Most suspicious frames</h3><div class=frames>")
        model = fusion.for_kind(r.kind)
        weights = dict(zip(model.signals, model.weights))
        names = {c.track: _face_name(r, c.track) for c in r.suspicious} if len(r.faces) > 1 else {}
        out += [_frame_figure(c, weights, names.get(c.track)) for c in r.suspicious]
        out.append("</div>")
    if len(r.faces) > 1:
        video = r.kind == "video"
        out.append(
            "<h3>Faces</h3><table><tr><th>Face</th><th>Score</th>"
            + ("<th>Seen in frames</th>" if video else "")
            + "</tr>"
        )
        for f in r.faces:
            score = "n/a" if f.probability is None else f"{f.probability:.0%}"
            span = f"{f.frames[0]}–{f.frames[-1]} ({len(f.frames)} analysed)" if f.frames else "—"
            out.append(
                f"<tr><td>{_face_name(r, f.track)}</td><td>{score}</td>"
                + (f"<td>{span}</td>" if video else "")
                + "</tr>"
            )
        out.append("</table>")
    return "\n".join(out)


def _verdict_face(r: Detection) -> FaceVerdict | None:
    """The face whose verdict is the file's (its probability is the file's: see pipeline._combine)."""
    return next((f for f in r.faces if f.probability is not None and f.probability == r.fake_probability), None)


def _face_name(r: Detection, track: int) -> str:
    """How the report names a face: 'face 2' in a photo, 'face track 2' in a video, by the `track`
    number of the JSON's faces (a photo's faces are numbered largest first, from 0)."""
    return f"{'face track' if r.kind == 'video' else 'face'} {track}"


def _signal_row(
    name: str, s: SignalScore, push: float | None, infos: dict[str, SignalInfo], *, weighed: bool = True
) -> str:
    """One row of a file's signal table. weighed: the combiner for this kind of media gives the
    signal a weight (one it does not weigh says so, rather than a bare 0 beside a high score)."""
    title = infos[name].title if name in infos else name
    score = "n/a" if s.score is None else f"{s.score:.2f}"
    if push is None:
        arrow = ""
    elif not weighed:
        arrow = "not weighed"
    elif abs(push) < 0.05:
        arrow = "±0.0"  # an average score: it moves nothing
    else:
        arrow = f"+{push:.1f} → fake" if push > 0 else f"{push:.1f} → real"
    return (
        f"<tr><td>{html.escape(title)}</td><td>{score}</td><td>{html.escape(arrow)}</td>"
        f"<td>{html.escape(s.reason)}</td></tr>"
    )


def _measured(stats: dict, name: str) -> str:
    st = stats.get(name)
    if not st:
        return "not measured"
    return f"AUC {st['auc']:.2f}, equal error rate {st['eer']:.0%} ({st.get('n', '?')} items)"


def _signals_section(fusion: Fusion, infos: Sequence[SignalInfo]) -> str:
    videos = fusion.video.meta.get("signal_stats", {})
    images = fusion.image.meta.get("signal_stats", {})
    out = ["<h2>The signals and how often they are wrong</h2>"]
    corpus = fusion.video.meta.get("corpus")
    if corpus:
        out.append(
            f"<p class=dim>Error rates measured by <code>bench/detect.py</code> on {html.escape(str(corpus))}. "
            "AUC: 1.0 separates every fake from every real item, 0.5 is chance.</p>"
        )
    out.append(
        "<table><tr><th>Signal</th><th>What it looks at</th><th>Measured alone on videos</th><th>… on images</th></tr>"
    )

    def on_images(name: str) -> str:
        return "— (needs a video)" if name in TRACK_SIGNALS else _measured(images, name)

    for info in infos:
        out.append(
            f"<tr><td>{html.escape(info.title)}</td><td>{html.escape(info.explanation)}</td>"
            f"<td>{html.escape(_measured(videos, info.name))}</td><td>{html.escape(on_images(info.name))}</td></tr>"
        )
    if "fused" in videos or "fused" in images:
        out.append(
            "<tr><td><b>All combined</b></td><td>the calibrated combination used for the verdict (out-of-fold)</td>"
            f"<td>{html.escape(_measured(videos, 'fused'))}</td><td>{html.escape(_measured(images, 'fused'))}</td></tr>"
        )
    if "fused_web" in videos:
        out.append(
            "<tr><td><b>All combined, real web video only</b></td><td>the same, with the benchmark's real lab "
            "recordings left out: web video lost much of its fine detail to compression before, so real faces "
            "in it look more like fakes. Expect this on clips from the internet.</td>"
            f"<td>{html.escape(_measured(videos, 'fused_web'))}</td><td>—</td></tr>"
        )
    out.append("</table>")
    return "\n".join(out)


def _timeline_svg(points: Sequence[TimelinePoint], fusion: Combiner, duration: float | None) -> str:
    w, h = 900, 220
    left, right, top, bottom = 44, 60, 12, 30  # room for the % labels, the threshold names, the seconds
    end = max(duration or 0.0, max(p.time for p in points), 1e-3)

    def x(t: float) -> float:
        return left + (w - left - right) * t / end

    def y(v: float) -> float:
        return top + (h - top - bottom) * (1.0 - v)

    shown = _thinned(points, _MAX_TIMELINE_POINTS)
    line = " ".join(f"{x(p.time):.1f},{y(p.probability):.1f}" for p in shown)
    radius = 3 if len(shown) <= 150 else 1.5  # a long video's points would hide the line
    dots = "".join(
        f"<circle cx='{x(p.time):.1f}' cy='{y(p.probability):.1f}' r='{radius}' fill='#1565c0'>"
        f"<title>{p.time:.2f} s (frame {p.frame}): {p.probability:.0%}</title></circle>"
        for p in shown
    )
    guides = "".join(
        f"<line x1='{left}' x2='{w - right}' y1='{y(v):.1f}' y2='{y(v):.1f}' stroke='{c}' stroke-dasharray='4 4'/>"
        f"<text x='{w - right + 4}' y='{y(v) + 4:.1f}' font-size='11' fill='{c}'>{label}</text>"
        for v, c, label in ((fusion.high, "#c62828", "high"), (fusion.medium, "#ef6c00", "medium"))
    )
    grid = "".join(
        f"<line x1='{left}' x2='{w - right}' y1='{y(v):.1f}' y2='{y(v):.1f}' stroke='#eee'/>"
        f"<text x='{left - 6}' y='{y(v) + 4:.1f}' font-size='11' text-anchor='end'>{v:.0%}</text>"
        for v in (0.0, 0.25, 0.5, 0.75, 1.0)
    )
    step = _tick_step(end)
    ticks = "".join(
        f"<line x1='{x(t):.1f}' x2='{x(t):.1f}' y1='{h - bottom}' y2='{h - bottom + 4}' stroke='#999'/>"
        f"<text x='{x(t):.1f}' y='{h - bottom + 17}' font-size='11' text-anchor='middle'>{t:g} s</text>"
        for t in np.arange(0.0, end + 1e-9, step)
    )
    axis = f"<line x1='{left}' x2='{w - right}' y1='{h - bottom}' y2='{h - bottom}' stroke='#999'/>"
    return (
        f"<svg width='{w}' height='{h}' viewBox='0 0 {w} {h}' role='img' aria-label='fake probability over time'>"
        f"{grid}{axis}{ticks}{guides}<polyline fill='none' stroke='#1565c0' stroke-width='2' points='{line}'/>{dots}</svg>"
    )


def _tick_step(seconds: float) -> float:
    """A round step (0.1 s to an hour, or whole hours) that puts at most 10 ticks over `seconds`."""
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600):
        if seconds / step <= 10:
            return float(step)
    return float(3600 * math.ceil(seconds / 36000))


_MAX_TIMELINE_POINTS = 1000  # the SVG's points: about one per pixel of the plot and a few more


def _thinned(points: Sequence[TimelinePoint], most: int) -> list[TimelinePoint]:
    """At most `most` points in time order: the most suspicious point of each of `most` equal runs
    (a peak survives the thinning; the JSON keeps every point)."""
    if len(points) <= most:
        return list(points)
    runs = np.array_split(np.arange(len(points)), most)
    return [max((points[i] for i in run), key=lambda p: p.probability) for run in runs if len(run)]


def _frame_figure(c: SuspiciousFrame, weights: dict[str, float], face: str | None = None) -> str:
    """The frame, and the map of the localising signal that counts most in the verdict (none when
    the combiner gives every such signal no weight: a map that does not count would mislead).
    face: which face the crop shows, named when the file has several."""
    when = f"{c.time:.2f} s, frame {c.frame}" if c.time is not None else "the image"
    if face is not None:
        when += f", {face}"
    counted = [n for n in c.heatmaps if weights.get(n, 0.0) > 0.0]
    overlay_name = max(counted, key=lambda n: weights[n], default=None)
    images = [_jpeg(c.image)]
    caption = f"{when}: {c.probability:.0%}"
    if overlay_name is not None:
        images.append(_jpeg(overlay(c.image, c.heatmaps[overlay_name])))
        caption += f" · right: where the {overlay_name} signal looks (red = suspicious)"
    imgs = "".join(f"<img src='data:image/jpeg;base64,{b}' alt='{html.escape(when)}'>" for b in images)
    return f"<figure><div style='display:flex;gap:4px'>{imgs}</div><figcaption class=dim>{html.escape(caption)}</figcaption></figure>"


def _signal_figure(name: str, crop: np.ndarray, heatmap: np.ndarray, infos: dict[str, SignalInfo]) -> str:
    info = infos.get(name)
    title = info.title if info else name
    legend = info.map_legend if info and info.map_legend else "where the signal sees manipulation (red)"
    images = [_jpeg(crop), _jpeg(overlay(crop, heatmap))]
    imgs = "".join(f"<img src='data:image/jpeg;base64,{b}' alt='{html.escape(title)}' width=224>" for b in images)
    caption = f"{title} · right: {legend}"
    return f"<figure><div style='display:flex;gap:4px'>{imgs}</div><figcaption class=dim>{html.escape(caption)}</figcaption></figure>"


def overlay(image: np.ndarray, heatmap: np.ndarray) -> np.ndarray:
    """RGB image with a heatmap (0..1, same H×W) drawn over it in a blue→red palette."""
    hm = np.clip(heatmap, 0.0, 1.0)  # absolute: a weak map stays faint, nothing is rescaled
    colour = cv2.applyColorMap((np.clip(hm, 0, 1) * 255).astype(np.uint8), cv2.COLORMAP_JET)[:, :, ::-1]
    alpha = (0.15 + 0.5 * np.clip(hm, 0, 1))[:, :, None]
    return (image * (1 - alpha) + colour * alpha).astype(np.uint8)


def _jpeg(rgb: np.ndarray) -> str:
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:  # pragma: no cover - encoding a valid uint8 image does not fail
        raise RuntimeError("JPEG encoding failed")
    return base64.b64encode(buf.tobytes()).decode("ascii")
