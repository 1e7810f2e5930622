"""The runtime lane (tests/README.md)."""
