"""Build environments for pickles from another scikit-learn: the versions a pickle was fitted with,
read without running it, and a virtual environment that matches them, made on demand.

The browser and the server never need the pickle's scikit-learn: the portable files do not depend
on it. So an import of a pickle from scikit-learn 1.9.1 loads, exports and checks it in an
environment with 1.9.1 (``import_model`` runs itself there), and the project's environment never
unpickles it. Environments are cached outside the clone (``PY_PIPELINE_ENVS``, by default
``~/.cache/py-pipeline/build-envs``), one per key, so later imports and CI reuse them.

    python -m build_scripts.build_envs                 # the supported list, and which are built
    python -m build_scripts.build_envs --try 1.10.0    # a newer release: fit, import, say what broke
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

#: The newest patch of each supported scikit-learn minor release: a pickle from any patch of a
#: minor release is loaded with this one.
SUPPORTED = {"1.4": "1.4.2", "1.5": "1.5.2", "1.6": "1.6.1", "1.7": "1.7.2", "1.8": "1.8.0", "1.9": "1.9.1"}
#: numpy per major version: a pickle written by numpy 1 names ``numpy.core``, by numpy 2 ``numpy._core``.
NUMPY = {1: "1.26.4", 2: "2.0.2"}
#: The rest of every environment, pinned alike (what the import, export and checks import).
SHARED = ("scipy==1.14.1", "pandas==2.2.3", "joblib==1.4.0", "threadpoolctl==3.5.0", "pyarrow==25.0.1",
          "packaging==26.4", "build==1.6.1", "setuptools==84.2.1", "wheel==0.48.0")
#: The boosting libraries a pickle may hold, pinned as the server pins them: a model from another
#: release of either loads with these (their pickles carry the model in the library's own format).
BOOSTERS = {"lightgbm": "lightgbm==4.7.0", "xgboost": "xgboost-cpu==3.4.1"}
#: What the project's own environment runs, and what the browser (Pyodide 0.27.7) and the server run.
PROJECT = {"scikit-learn": "1.6.1", "numpy": 2}
ENVS = Path(os.environ.get("PY_PIPELINE_ENVS") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
            / "py-pipeline" / "build-envs")


class Unsupported(Exception):
    """A pickle from a scikit-learn outside the supported list; the message says what to do."""


@dataclass(frozen=True)
class Fitted:
    """What a pickle says it was fitted with, read without running it."""

    sklearn: str | None  # from the estimators' ``_sklearn_version``; None when no estimator says
    numpy_major: int | None  # from its numpy module references; None when it names neither
    modules: frozenset[str] = field(default_factory=frozenset)  # every module it refers to

    def env(self) -> "BuildEnv":
        """The environment that loads this pickle (raises :class:`Unsupported`)."""
        major = self.numpy_major or PROJECT["numpy"]
        boosters = tuple(sorted(b for b in BOOSTERS if any(m.split(".")[0] == b for m in self.modules)))
        if self.sklearn is None:
            return BuildEnv(PROJECT["scikit-learn"], major, boosters)
        minor = ".".join(self.sklearn.split(".")[:2])
        if minor not in SUPPORTED:
            raise Unsupported(f"the model was fitted with scikit-learn {self.sklearn}, which the import does not "
                              f"support (supported: {', '.join(SUPPORTED.values())}): refit it with one of those, or "
                              f"try that release with `python -m build_scripts.build_envs --try {self.sklearn}`")
        return BuildEnv(SUPPORTED[minor], major, boosters)


@dataclass(frozen=True)
class BuildEnv:
    """An environment keyed by its scikit-learn and numpy major version, and the boosting
    libraries (LightGBM, XGBoost) the pickle needs, with their versions."""

    sklearn: str
    numpy_major: int
    boosters: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The folder's name: the versions, and a digest of every pin (a changed pin is a new environment)."""
        pins = hashlib.sha256(" ".join(self.requirements).encode()).hexdigest()[:8]
        libraries = "".join(f"-{BOOSTERS[b].replace('==', '-')}" for b in self.boosters)
        return (f"sklearn-{self.sklearn}-numpy{self.numpy_major}{libraries}-py{sys.version_info.major}."
                f"{sys.version_info.minor}-{pins}")

    @property
    def is_project(self) -> bool:
        """The project's own environment (this process) is this one."""
        return self.sklearn == PROJECT["scikit-learn"] and self.numpy_major == PROJECT["numpy"]

    @property
    def requirements(self) -> list[str]:
        return [f"scikit-learn=={self.sklearn}", f"numpy=={NUMPY[self.numpy_major]}", *SHARED,
                *(BOOSTERS[b] for b in self.boosters)]

    @property
    def python(self) -> Path:
        return ENVS / self.key / "bin" / "python"


def pickle_runs_on_server(versions: dict[str, str]) -> bool:
    """Can the server's scikit-learn engine (and the browser's) unpickle a bundle whose artifact was
    written with these ``library_versions``? Only with the project's scikit-learn and numpy major."""
    numpy = str(versions.get("numpy", ""))
    return versions.get("scikit-learn") == PROJECT["scikit-learn"] and numpy.split(".")[0] == str(PROJECT["numpy"])


# --- reading a pickle without running it ---------------------------------------------------

class _Stub:
    """Stands in for every class and function a pickle names: built, called and given state, it
    records the state's ``_sklearn_version`` and runs nothing."""

    seen: set[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        for part in state if isinstance(state, tuple) else (state,):
            if isinstance(part, dict) and isinstance(part.get("_sklearn_version"), str):
                type(self).seen.add(part["_sklearn_version"])

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def fitted_versions(path: Path) -> Fitted:
    """Read the scikit-learn and numpy versions a joblib or pickle file was fitted with, without
    running it: each name it refers to becomes a stub (numpy's ``dtype`` and joblib's array
    wrapper alone are real, to step over the arrays' bytes)."""
    from joblib.numpy_pickle import NumpyArrayWrapper, NumpyUnpickler, _read_fileobject

    modules: set[str] = set()
    versions: set[str] = set()
    stub = type("Stub", (_Stub,), {"seen": versions})

    def find_class(module: str, name: str) -> Any:
        modules.add(module)
        if (module, name) == ("numpy", "dtype"):
            import numpy

            return numpy.dtype
        if (module, name) == ("joblib.numpy_pickle", "NumpyArrayWrapper"):
            return Wrapper
        return stub

    class Plain(pickle._Unpickler):  # type: ignore[name-defined]
        def find_class(self, module: str, name: str) -> Any:
            return find_class(module, name)

    class Wrapper(NumpyArrayWrapper):
        def read_array(self, unpickler: Any) -> Any:
            if self.dtype.hasobject:  # a plain pickle of the objects, inside the file: scanned alike
                return Plain(unpickler.file_handle).load()
            return super().read_array(unpickler)

    class Scanner(NumpyUnpickler):
        def find_class(self, module: str, name: str) -> Any:
            return find_class(module, name)

    with open(path, "rb") as raw, _read_fileobject(raw, str(path), None) as handle:
        Scanner(str(path), handle).load()
    found = sorted(versions)
    if len(found) > 1:
        raise Unsupported(f"{path.name} mixes estimators from scikit-learn {', '.join(found)}: refit it with one")
    major = 2 if any(m == "numpy._core" or m.startswith("numpy._core.") for m in modules) else \
        1 if any(m == "numpy.core" or m.startswith("numpy.core.") for m in modules) else None
    return Fitted(found[0] if found else None, major, frozenset(modules))


# --- environments ---------------------------------------------------------------------------

@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """One process builds an environment at a time (two imports, or two test workers, may ask)."""
    ENVS.mkdir(parents=True, exist_ok=True)
    with open(ENVS / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure(env: BuildEnv, say: Any = print) -> Path:
    """The environment's Python, the environment built first when missing (aside, then moved
    into place: a failed build leaves nothing half-made). Answers its python."""
    target = ENVS / env.key
    with _locked(env.key):
        if (target / ".complete").exists():
            return env.python
        shutil.rmtree(target, ignore_errors=True)
        staging = ENVS / f".{env.key}.building"
        shutil.rmtree(staging, ignore_errors=True)
        started = time.monotonic()
        say(f"building the environment {env.key} (once; cached in {ENVS}): {' '.join(env.requirements)}")
        base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
        subprocess.run([str(base), "-m", "venv", str(staging)], check=True)
        done = subprocess.run([str(staging / "bin" / "python"), "-m", "pip", "install", "--quiet",
                               "--disable-pip-version-check", *env.requirements], capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            tail = (done.stderr.strip().splitlines() or ["pip failed"])[-1][:300]
            raise Unsupported(f"the environment {env.key} could not be installed from the package index: {tail}")
        (staging / ".complete").write_text(f"{time.monotonic() - started:.1f} s\n")
        # venv writes absolute paths into its scripts, but `bin/python` is all the import runs
        staging.rename(target)
        say(f"built {env.key} in {time.monotonic() - started:.0f} s")
    return env.python


def built() -> list[str]:
    """The keys of the environments built so far."""
    return sorted(p.name for p in ENVS.glob("sklearn-*") if (p / ".complete").exists()) if ENVS.exists() else []


def try_release(release: str) -> int:
    """Fit the fixture pipelines (tests/fixtures/other_sklearn) with scikit-learn ``release`` in an
    environment of its own, import each into a scratch folder as a user would, and say what broke."""
    from .paths import ROOT

    fixtures = ROOT / "tests" / "fixtures" / "other_sklearn"
    env = BuildEnv(release, 2)
    try:
        python = ensure(env)
    except Unsupported as exc:
        print(f"scikit-learn {release}: {exc}")
        return 1
    broke = 0
    with tempfile.TemporaryDirectory() as tmp:
        fitted = subprocess.run([str(python), str(fixtures / "make_fixtures.py"), "--fit", release, tmp],
                                capture_output=True, text=True)
        if fitted.returncode != 0:
            print(f"scikit-learn {release}: the fixture pipelines do not fit: {fitted.stderr.strip().splitlines()[-1]}")
            return 1
        for kind in ("linear", "boosted"):
            done = subprocess.run([str(python), "-m", "build_scripts.import_model", f"{tmp}/{kind}-{release}.joblib",
                                   "--sample", str(fixtures / "sample.csv"), "--target", "grade", "--name", kind,
                                   "--version", "1", "--models", f"{tmp}/models", "--no-check", "--in-build-env"],
                                  capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            lines = (done.stdout + done.stderr).strip().splitlines()
            said = next((line for line in lines if line.startswith("engine ")), lines[-1] if lines else "")
            ok = done.returncode == 0 and ": portable" in said
            broke += not ok
            print(f"scikit-learn {release}, {kind}: {'works' if ok else 'BROKE'}: {said if ok else lines[-1]}")
    return 1 if broke else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--try", dest="release", metavar="VERSION",
                        help="a scikit-learn release outside the list: fit the fixture pipelines with it, import "
                             "them, and say what broke")
    args = parser.parse_args(argv)
    if args.release:
        return try_release(args.release)
    print(f"supported scikit-learn: {', '.join(SUPPORTED.values())} (numpy {NUMPY[1]} or {NUMPY[2]}, by the "
          f"pickle's); the project's own: {PROJECT['scikit-learn']}")
    print(f"built in {ENVS}: {', '.join(built()) or 'none yet'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
