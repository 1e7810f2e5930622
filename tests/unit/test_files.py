"""Writes that are never half-done (py_pipeline/files.py): a failure at any point leaves what was
there byte for byte as it was, and no temporary behind."""

from __future__ import annotations


import pytest

from py_pipeline.files import replace_dir, staged_dir, staged_file, write_atomic

from ..support.bundles import tree


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
