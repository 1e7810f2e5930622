"""The host lane (tests/README.md)."""
