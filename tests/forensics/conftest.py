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
