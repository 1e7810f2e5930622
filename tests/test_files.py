"""Writes that are never half-done (py_pipeline/files.py), and the site built with them (host tier):
a failure at any point leaves what was there byte for byte as it was, and no temporary behind."""

from __future__ import annotations

import shutil

import pytest

from build_scripts import offline, site
from py_pipeline.files import replace_dir, staged_dir, staged_file, write_atomic

pytestmark = pytest.mark.host


def tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "index.json"
    write_atomic(target, '{"models": []}\n')
    with pytest.raises(RuntimeError), staged_file(target) as tmp:
        tmp.write_text('{"models": [{"half')
        raise RuntimeError("the disk filled up")
    assert tree(tmp_path) == {"index.json": b'{"models": []}\n'}
    write_atomic(target, b"new")
    assert tree(tmp_path) == {"index.json": b"new"}


def test_a_folder_is_replaced_whole_or_not_at_all(tmp_path):
    target = tmp_path / "bundle"
    target.mkdir()
    (target / "manifest.json").write_text("old")
    with pytest.raises(RuntimeError), staged_dir(target) as staging:
        (staging / "manifest.json").write_text("new, unchecked")
        raise RuntimeError("the check failed")
    assert tree(tmp_path) == {"bundle/manifest.json": b"old"}
    with staged_dir(target) as staging:
        (staging / "manifest.json").write_text("new")
    assert tree(tmp_path) == {"bundle/manifest.json": b"new"}
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "a").write_text("a")
    replace_dir(fresh, target)
    assert tree(tmp_path) == {"bundle/a": b"a"}


def test_a_failed_site_build_leaves_the_site_as_it_was(tmp_path, model_dir, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(model_dir / "iris", models / "iris")
    out = site.build(tmp_path / "site", models=models)
    before = tree(tmp_path)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(offline, "write_precache", full)  # late in the build: most files already copied
    with pytest.raises(OSError, match="No space left"):
        site.build(out, models=models)
    assert tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models", "site"]
