"""The code a pickle refers to: a pickled pipeline names each function and class by module and
name, and unpickling imports them. A notebook's own code lives in ``__main__``, which no other
process has; code in a package must be installed where the model loads. This words what is
missing, and lets an import say where code from one module now lives."""

from __future__ import annotations

import contextlib
import re
import sys
from typing import Any, Iterator, Mapping


def missing_code(exc: BaseException) -> str | None:
    """What an unpickling error says is missing, in words ("the function log_area from the
    notebook (__main__)", "the module my_prep"); None when it is about something else."""
    text = str(exc)
    found = re.search(r"Can't get attribute '([^']+)' on <module '([^']+)'", text)
    if found:
        name, module = found.groups()
        # the pickle asked __main__; here that is whatever runs (``python -m`` names its module)
        running = getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", None)
        where = "the notebook or script that pickled it (__main__)" if module in ("__main__", running) \
            else f"module {module}"
        return f"{name} from {where}"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return f"the module {exc.name}"
    return None


@contextlib.contextmanager
def moved(modules: Mapping[str, str]) -> Iterator[None]:
    """While unpickling with joblib, look code from module ``old`` (or below it) up in ``new``:
    ``{"__main__": "my_features.steps"}`` for a notebook's code now in a package. Pickled again,
    the model then names the new module."""
    if not modules:
        yield
        return
    from joblib.numpy_pickle import NumpyUnpickler

    original = NumpyUnpickler.find_class

    def find_class(self: Any, module: str, name: str) -> Any:
        for old, new in modules.items():
            if module == old or module.startswith(old + "."):
                module = new + module[len(old):]
                break
        return original(self, module, name)

    NumpyUnpickler.find_class = find_class
    try:
        yield
    finally:
        NumpyUnpickler.find_class = original
