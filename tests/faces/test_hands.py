"""Hands: the region a hand covers, and how often a video looks for hands."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from faceforge.faces import hands as hands_module
from faceforge.faces.hands import HAND_EVERY, HandFinder, hand_region


def _open_hand() -> np.ndarray:
    """21 MediaPipe hand landmarks (pixels) of an upright open hand with spread fingers."""
    wrist = np.array([100.0, 220.0])
    pts = [wrist]
    # Thumb: from the base of the palm out to the left.
    pts += [wrist + d for d in ([-20, -15], [-38, -30], [-52, -45], [-64, -58])]
    for base_x, tip_dx in ((78, -22), (98, -6), (118, 10), (136, 26)):  # index .. little finger
        base = np.array([base_x, 150.0])
        pts += [base + np.array([tip_dx, -70.0]) * k for k in (0.0, 0.35, 0.7, 1.0)]
    return np.array(pts, dtype=np.float32)


def test_the_region_covers_palm_and_fingers_not_the_gaps():
    hand = _open_hand()
    mask = hand_region([hand], (300, 250))
    for x, y in hand:
        assert mask[int(y), int(x)] == 255
    # Between the spread index and middle finger tips, what is behind the hand shows.
    gap = (hand[8] + hand[12]) / 2
    assert mask[int(gap[1]), int(gap[0])] == 0
    # The forearm's start below the wrist is covered, and nothing far from the hand.
    assert mask[235, 100] == 255
    assert mask[20, 220] == 0 and mask[290, 10] == 0


def test_the_region_follows_the_roi_origin_and_scale():
    hand = _open_hand()
    full = hand_region([hand], (300, 250))
    roi = hand_region([hand], (100, 100), origin=(50, 150), scale=0.5)
    # The roi pixel (25, 35) is the frame pixel (50 + 25 / 0.5, 150 + 35 / 0.5) = (100, 220).
    assert roi[35, 25] == 255 and full[220, 100] == 255
    assert (
        abs(int(roi.astype(bool).sum()) - int(full[150:350, 50:250].astype(bool).sum()) / 4)
        < 0.1 * roi.astype(bool).sum()
    )


class _FakeGraph:
    """Stands in for MediaPipe Hands: answers one hand on the calls listed in `hits`."""

    def __init__(self, hits: set[int]) -> None:
        self.calls = 0
        self.hits = hits

    def process(self, image: np.ndarray) -> SimpleNamespace:
        self.calls += 1
        if self.calls in self.hits:
            marks = [SimpleNamespace(x=0.5, y=0.5) for _ in range(21)]
            return SimpleNamespace(multi_hand_landmarks=[SimpleNamespace(landmark=marks)])
        return SimpleNamespace(multi_hand_landmarks=None)

    def close(self) -> None:
        pass


@pytest.mark.parametrize("video", [True, False])
def test_a_video_looks_for_hands_every_few_frames_until_it_sees_one(monkeypatch, video):
    graph = _FakeGraph(hits={2, 3})
    monkeypatch.setattr(hands_module, "_mp_hands", lambda **_: graph)
    finder = HandFinder(video=video)
    frame = np.zeros((8, 8, 3), np.uint8)
    found = [len(finder.find(frame)) for _ in range(4 * HAND_EVERY + 2)]
    if not video:  # a photo: every call is looked at
        assert graph.calls == len(found)
        return
    # Frames 0, 3: looked at (nothing, then a hand); then every frame while the hand is
    # there (frame 4 sees it, frame 5 not); then every HAND_EVERY frames again.
    looked = [i for i, n in enumerate(found) if n]
    assert looked == [HAND_EVERY, HAND_EVERY + 1]
    assert graph.calls == 2 + 1 + len(range(HAND_EVERY + 2, len(found), HAND_EVERY))


@pytest.mark.shared
def test_real_hands_are_found_and_faces_are_not_taken_for_hands(shared_data):
    from faceforge.eval.occluders import HAND_DONOR
    from faceforge.media.image import read_image
    from faceforge.media.video import read_video

    with HandFinder(video=False) as finder:
        assert len(finder.find(read_image(shared_data / HAND_DONOR))) == 2  # both of his hands
        # Frames where the lite model saw a hand in a face (score 0.84).
        for clip, index in (
            ("talking/mead/dreamtalk/data/style_clip/video/M030_front_fear_level3_001.mp4", 80),
            ("talking/voxceleb2/Talking-Face_PC-AVS/misc/Audio_Source/00015.mp4", 0),
        ):
            frame = list(read_video(shared_data / clip, max_frames=index + 1))[index].image
            assert finder.find(frame) == []
