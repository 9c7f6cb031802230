"""The revision stamp the benchmarks write beside their figures (bench/_common.py)."""

from __future__ import annotations

import subprocess

from tests.conftest import load_bench


def _git(repo, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True, capture_output=True
    )


def test_stamp_says_uncommitted_for_changed_code_but_not_for_a_rewritten_readme(tmp_path, monkeypatch):
    common = load_bench("_common")
    (tmp_path / "code.py").write_text("x = 1\n")
    (tmp_path / "README.md").write_text("figures\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "first")
    monkeypatch.setattr(common, "REPO", tmp_path)
    clean = common.git_revision()
    assert clean != "unknown" and "+" not in clean
    (tmp_path / "README.md").write_text("new figures\n")  # what a bench run before this one wrote
    assert common.git_revision() == clean
    (tmp_path / "code.py").write_text("x = 2\n")
    assert common.git_revision() == clean + "+uncommitted"
