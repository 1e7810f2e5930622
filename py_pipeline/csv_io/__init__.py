"""CSV in and out, in one place for every path: the server's ``text/csv`` routes, the page's file
scoring (this package runs in Pyodide too) and the command-line scorer.

Reading matches the file's columns to the model's features by name, tolerant of case, spacing,
punctuation and a unit suffix ("Sepal length (cm)" finds ``sepal_length_cm``), and numbers every
record with the line it starts on, so a problem names the line a person sees in an editor.
Extra columns pass through untouched. Validation keeps every row: the valid ones are scored, the
invalid ones are listed with line, field and reason, never dropped or scored in silence.

Result and error files are safe to open in a spreadsheet: a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return and is not a number is written with a leading ``'``
(OWASP's advice against CSV injection), so a spreadsheet shows it as text and never runs it. A
pipeline whose outputs need raw cells says so in its manifest (``"csv_cells": "raw"``).

Python's own ``csv`` module parses (quoted fields, embedded newlines, a BOM): it is in the
standard library on the server and in Pyodide alike, so the page and the server read a file the
same way, with no second parser to keep in step.

- ``read.py``: the delimiter, the columns matched, the records and their lines.
- ``score.py``: records to typed columns, validated and predicted; a file a chunk at a time.
- ``write.py``: result and error files, and the formula guard.
- ``table.py``: what they pass between them.
"""

from ..errors import InvalidInput
from .read import CsvParseError, DELIMITERS, NOT_UTF8, match_columns, read_csv, records, rows_of, sniff_delimiter
from .score import (Scoring, category_value, cell_value, error_for, score, text_batch, text_numbers, validate,
                    validated_rows)
from .table import CsvTable, Scored
from .write import (ERROR_COLUMNS, FORMULA_START, PREDICTION_COLUMN, PROBABILITY_PREFIX, cell, errors_csv,
                    explanation_cells, lines_text, probability_cell, probability_column, problem_cells, raw_cells, result_columns,
                    result_csv, result_header, result_lines, result_rows, result_text, result_writer, rows_writer,
                    safe_cell, safe_cells, safe_column)
__all__ = ["CsvParseError", "CsvTable", "DELIMITERS", "ERROR_COLUMNS", "FORMULA_START", "InvalidInput", "NOT_UTF8",
           "PREDICTION_COLUMN", "PROBABILITY_PREFIX", "Scored", "Scoring", "category_value", "cell", "cell_value",
           "error_for", "errors_csv", "explanation_cells", "lines_text", "match_columns", "probability_cell",
           "probability_column", "problem_cells", "raw_cells", "read_csv", "records", "result_columns", "result_csv", "result_header",
           "result_lines", "result_rows", "result_text", "result_writer", "rows_of", "rows_writer", "safe_cell",
           "safe_cells", "safe_column", "score", "sniff_delimiter", "text_batch", "text_numbers", "validate",
           "validated_rows"]
