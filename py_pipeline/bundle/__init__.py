"""Model bundles: ``manifest.json``, the portable engine's files and a joblib artifact.

A bundle carries the model twice: as a portable spec (``portable.json`` plus the flat array
buffer ``portable.bin``, run by numpy alone, loaded without unpickling) when the exporter could
reproduce it, and as the pickled pipeline (``model.joblib``, run by scikit-learn). Loading reads
the manifest and checks the sha256 of every file it is about to use *before* parsing or
unpickling it. Nothing is half-loaded.

- ``manifest.py``: the manifest read and checked, and the engine each runtime runs.
- ``write.py``: the artifact, the portable files and the manifest, written once.
- ``load.py``: an engine built from checked files.
"""

from .load import load_engine
from .manifest import (ARTIFACT_FILE, ARTIFACT_FORMAT, ENGINES, MANIFEST_FILE, RUNTIMES, STRICT_LIBRARIES, TASKS,
                       Manifest, choose_engine, library_versions, manifest_sha256, read_manifest, sha256_bytes)
from .write import pickle_bundle, with_portable, without_portable, write_bundle, write_manifest

__all__ = ["ARTIFACT_FILE", "ARTIFACT_FORMAT", "ENGINES", "MANIFEST_FILE", "RUNTIMES", "STRICT_LIBRARIES", "TASKS",
           "Manifest", "choose_engine", "library_versions", "load_engine", "manifest_sha256", "pickle_bundle",
           "read_manifest", "sha256_bytes", "with_portable", "without_portable", "write_bundle", "write_manifest"]
