"""Words for messages and reports shared by the command line, the effects and the report."""

from __future__ import annotations


def plural(n: int, word: str, words: str | None = None) -> str:
    """A count and its noun: plural(1, "face") is "1 face", plural(2, "face") "2 faces";
    `words` for an irregular plural: plural(3, "person", "people") is "3 people"."""
    return f"{n} {word if n == 1 else words or word + 's'}"
