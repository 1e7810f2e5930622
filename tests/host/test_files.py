"""The site built aside (build_scripts/site.py): a build that fails late leaves the site that was
there byte for byte as it was, and no temporary behind."""

from __future__ import annotations

import shutil

import pytest

from build_scripts import offline, site

from ..support.bundles import tree


def test_a_failed_site_build_leaves_the_site_as_it_was(tmp_path, model_dir, monkeypatch):
    models = tmp_path / "models"
    shutil.copytree(model_dir / "iris", models / "iris")
    out = site.build(tmp_path / "site", models=models)
    before = tree(tmp_path)

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(offline, "stamp", full)  # late in the build: most files already copied
    with pytest.raises(OSError, match="No space left"):
        site.build(out, models=models)
    assert tree(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models", "site"]
