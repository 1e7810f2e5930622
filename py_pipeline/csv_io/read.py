"""Reading a CSV file: its delimiter, its columns matched to the model's features by name
(tolerant of case, spacing, punctuation and a unit suffix), and every record with the line it
starts on. Python's own ``csv`` module parses, on the server and in Pyodide alike."""

from __future__ import annotations

import csv
import io
import itertools
import re
from typing import Any, Iterator

from ..errors import InvalidInput
from ..problems import Problem
from ..schema import Feature, Schema, _shorten
from .table import CsvTable

DELIMITERS = (",", ";", "\t")


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _names_for(feature: Feature) -> set[str]:
    """The headers (normalised) that name ``feature``: its name and description, with or
    without its unit."""
    names = {_key(feature.name)}
    if feature.description:
        names.add(_key(feature.description))
    if feature.unit:
        unit = _key(feature.unit)
        names |= {f"{n} {unit}" for n in list(names)} | {n.removesuffix(f" {unit}") for n in list(names)}
    return {n for n in names if n}


def match_columns(columns: list[str], schema: Schema) -> dict[str, int]:
    """Feature name -> column index; every feature must find exactly one column."""
    keys = [_key(c) for c in columns]
    mapping: dict[str, int] = {}
    missing = []
    for feature in schema.features:
        names = _names_for(feature)
        found = [i for i, k in enumerate(keys) if k in names]
        if len(found) > 1:
            shown = ", ".join(repr(columns[i]) for i in found)
            raise InvalidInput(f"column for '{feature.name}' is ambiguous: {shown} all match it",
                               [Problem("no_column", "exactly one column", f"got {len(found)}: {shown}",
                                        feature.name, line=1)])
        if found:
            mapping[feature.name] = found[0]
        else:
            missing.append(feature)
    if missing:
        names = ", ".join(f.name for f in missing)
        header = ", ".join(repr(_shorten(c)) for c in columns[:20]) or "nothing"
        raise InvalidInput(
            f"the file has no column for {names}; its header reads {header}",
            [Problem("no_column", f"a column named {f.name!r}" + (f" or {f.description!r}" if f.description else ""),
                     "got none", f.name, line=1) for f in missing])
    return mapping


def read_csv(data: bytes | str, schema: Schema, max_rows: int | None = None, first_row: int = 1,
             first_line: int | None = None) -> CsvTable:
    """Parse a CSV file (UTF-8, an optional BOM; comma, semicolon or tab separated, whichever
    matches the features) and match its columns. Raises :class:`InvalidInput` when the file is
    not UTF-8, empty, or lacks a feature's column. With ``max_rows``, reading stops after
    ``max_rows + 1`` records: enough for the caller to refuse the file, without parsing the rest.

    A part of a larger file (its header, then some of its records) says where it sits: its first
    record is data row ``first_row``, and the line after its header is line ``first_line`` of the
    whole file, so every problem names the row and line a person finds in the whole file."""
    reader, columns, delimiter, shift = _open(data, schema, first_line)
    mapping = match_columns(columns, schema)
    records, lines = [], []
    for line, record in itertools.islice(_records(reader, shift), None if max_rows is None else max_rows + 1):
        records.append(record)
        lines.append(line)
    return CsvTable(columns, records, lines, delimiter, mapping, first_row)


def _open(data: bytes | str, schema: Schema, first_line: int | None = None) -> tuple[Any, list[str], str, int]:
    """A CSV reader past the header, the header, the delimiter, and how far the lines past the
    header move (``first_line``: where they start in the whole file). Bytes are decoded as they
    are read, so a large file is never held as text too."""
    body = data.removeprefix(b"\xef\xbb\xbf" if isinstance(data, bytes) else "\ufeff")
    if not re.search(rb"\S" if isinstance(body, bytes) else r"\S", body):
        raise InvalidInput("the file is empty: expected a header line naming the columns, then one line per row",
                           [Problem("bad_file", "a header line", "got nothing", "file", line=1)])
    lines = _decoded_lines(body) if isinstance(body, bytes) else io.StringIO(body, newline="")
    try:
        header = next(lines, "")
    except CsvParseError as exc:
        raise _unreadable(exc, exc.line) from None
    delimiter = sniff_delimiter(header, schema)
    reader = csv.reader(itertools.chain([header], lines), delimiter=delimiter, strict=True)
    columns = next(_records(reader, 0))[1]
    return reader, columns, delimiter, 0 if first_line is None else first_line - reader.line_num - 1


#: The reason a :class:`CsvParseError` gives for a byte that is not UTF-8.
NOT_UTF8 = "not UTF-8"


def _decoded_lines(body: bytes) -> Iterator[str]:
    """The lines of UTF-8 ``body``, decoded as they are read; a byte that is not UTF-8 raises
    :class:`CsvParseError` naming the line it is on."""
    try:
        yield from io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline="")
    except UnicodeDecodeError:  # raised for the block being decoded: find the byte itself
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CsvParseError(body.count(b"\n", 0, exc.start) + 1, NOT_UTF8) from None
        raise


def _records(reader: Any, shift: int) -> Any:
    """(line the record starts on, record) for each non-blank record, its line moved by ``shift``;
    a parse error names its line."""
    try:
        for line, record in records(reader):
            yield line + shift, record
    except CsvParseError as exc:
        raise _unreadable(exc, exc.line + shift) from None


def _unreadable(exc: "CsvParseError", line: int) -> InvalidInput:
    if exc.why == NOT_UTF8:
        return InvalidInput(f"line {line}: the file is not UTF-8 text; save it as UTF-8 CSV",
                            [Problem("bad_file", "UTF-8 text", "got a byte that is not UTF-8", "file", line=line)])
    return InvalidInput(f"line {line}: the file is not valid CSV ({exc.why})",
                        [Problem("bad_file", "valid CSV", f"got {exc.why}", "file", line=line)])


class CsvParseError(ValueError):
    """Text that is not CSV: the line it was found on (counted from the reader's first line) and why."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"line {line}: {why}")
        self.line, self.why = line, why


def records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, record) for each non-blank record of a ``csv.reader``, every
    reader's one way through a file (the page, the server and the command-line scorer): a blank
    line is no row, a record keeps every cell it has (the caller checks its width), and text that
    is not CSV raises :class:`CsvParseError` with its line."""
    previous = reader.line_num
    try:
        for record in reader:
            if record:  # a blank line is no row
                yield previous + 1, record
            previous = reader.line_num
    except csv.Error as exc:
        raise CsvParseError(reader.line_num, str(exc)) from None


def sniff_delimiter(header: str, schema: Schema) -> str:
    """The delimiter under which the header names the most features (comma on a tie)."""
    wanted = [_names_for(f) for f in schema.features]

    def score(delimiter: str) -> int:
        keys = {_key(c) for c in next(csv.reader([header], delimiter=delimiter), [])}
        return sum(bool(names & keys) for names in wanted)

    return max(DELIMITERS, key=score)


def _value(feature: Feature, text: str) -> Any:
    """A cell as the schema checks it: a number where it reads as one, None when empty (missing),
    else the text itself, so validation names what was there."""
    text = text.strip()
    if feature.type == "category":
        return text if text else None
    if not text:
        return None
    for number in (int, float):  # "42" stays 42 in messages, "4.2e1" is a float
        try:
            return number(text)
        except ValueError:
            pass
    return text


def rows_of(table: CsvTable, schema: Schema, start: int = 0, end: int | None = None) -> list[Any]:
    """Records ``start`` to ``end``, each as a row object keyed by feature name (or, when it has
    the wrong number of cells, the record itself, which validation then reports)."""
    width = len(table.columns)
    positions = [(f, table.mapping[f.name]) for f in schema.features]
    return [{f.name: _value(f, record[i]) for f, i in positions} if len(record) == width else record
            for record in table.records[start:end]]
