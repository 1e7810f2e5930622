"""The browser lane (tests/README.md)."""
