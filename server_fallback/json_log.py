"""The JSON log line: one object per line, for the app's request log and the server's own lines.
Imports nothing of the app, so the server can set up logging before it loads the app."""

from __future__ import annotations

import logging
from typing import Any

import orjson


class JsonFormatter(logging.Formatter):
    """One JSON object per line: the message plus the record's ``fields``. orjson, and the time
    text made once per second: the access line is written for every request."""

    _second, _stamp = -1, ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, self.formatTime(record, "%Y-%m-%dT%H:%M:%S")
        entry: dict[str, Any] = {"time": self._stamp, "level": record.levelname, "event": record.getMessage(),
                                 "pid": record.process}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()
