"""Fixtures shared by the detection-signal tests."""

from __future__ import annotations

import pytest

from faceforge.faces.face import Face


@pytest.fixture(scope="session")
def astronaut_face(astronaut) -> Face:
    """The one face of the public-domain sample portrait, analysed once."""
    from faceforge.faces.analyzer import analyze

    faces = analyze(astronaut, masks=False)
    assert len(faces) == 1, "the astronaut sample must have exactly one face"
    return faces[0]


def assert_maps_change_no_number(signal, frames, fps: float):  # noqa: ANN001, ANN201
    """A track signal fed `frames` ((image, face, time) triples) with maps=False and with maps=True:
    the same score and details, and no picture without maps. Returns the maps=False accumulator."""
    results, plain = [], None
    for maps in (False, True):
        acc = signal.start(fps, maps=maps)
        for image, face, t in frames:
            acc.add(image, face, t)
        results.append(acc.result())
        plain = acc if not maps else plain
    without, with_maps = results
    assert without.score is not None and without.score == with_maps.score
    assert without.details == with_maps.details
    assert without.heatmap is None and without.crop is None and with_maps.heatmap is not None
    return plain
