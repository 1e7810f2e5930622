"""The production server's start-up log: granian's warning about its many Python threads per
worker is replaced by a line that says why they are meant (server_fallback/serve.py)."""

import logging

from server_fallback.serve import ExplainThreads


def test_the_thread_warning_becomes_an_explanation():
    record = logging.LogRecord("_granian", logging.WARNING, __file__, 1,
                               "Configuration allows spawning up to 256 Python threads, which seems quite high "
                               "compared to the number of CPU cores available.", (), None)
    assert ExplainThreads().filter(record)
    assert record.levelname == "INFO" and "quite high" not in record.getMessage()
    assert record.getMessage().startswith("up to 256 Python threads per worker, on purpose")
    other = logging.LogRecord("_granian", logging.INFO, __file__, 1, "Starting granian", (), None)
    assert ExplainThreads().filter(other) and other.getMessage() == "Starting granian"
