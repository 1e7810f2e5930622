"""The unit lane (tests/README.md)."""
