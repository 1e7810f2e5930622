"""The one rule for model names and versions: each is one folder name under the models folder and
one URL path segment, so it must be safe as both, on every file system.

Allowed: 1 to 64 letters, digits, ``.``, ``_``, ``-`` and ``+``, starting and ending with a letter
or digit (so never empty, never ``.`` or ``..``, no separator, no trailing dot or space, which
Windows drops), and not a name Windows reserves for a device (``CON``, ``NUL``, ``COM1``...). The
import, the recipes, the manifest reader (so the server and the site), and the JS client
(``web/lib/names.js``, the same pattern) all apply it.
"""

from __future__ import annotations

import re

from .errors import InvalidInput
from .problems import Problem

#: The pattern, also written in web/lib/names.js (a test holds the two equal).
NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._+-]{0,62}[A-Za-z0-9])?$"
_NAME = re.compile(NAME_PATTERN)
#: Device names Windows reserves, with or without an extension (``nul.txt`` too).
RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})
EXPECTED = ("1 to 64 letters, digits, '.', '_', '-' or '+', starting and ending with a letter or digit, "
            "and not a device name such as 'con' or 'nul'")


def is_valid_name(value: object) -> bool:
    """Whether ``value`` is a valid model name or version."""
    return (isinstance(value, str) and _NAME.match(value) is not None
            and value.split(".", 1)[0].lower() not in RESERVED)


def check_name(value: object, field: str) -> str:
    """``value`` itself when it is a valid model name or version (``field`` says which); else
    :class:`InvalidInput` naming the field and the value.

    >>> check_name("iris", "name")
    'iris'
    >>> check_name("..", "version")
    Traceback (most recent call last):
    ...
    py_pipeline.errors.InvalidInput: version: expected 1 to 64 letters, digits, ...
    """
    if not is_valid_name(value):
        raise InvalidInput(f"{field}: expected {EXPECTED}, got {value!r}",
                           [Problem("bad_name", EXPECTED, f"got {value!r}", field)])
    return value  # type: ignore[return-value]
