"""Benchmarking and quarterly performance toolkit for English children's social care."""

__version__ = "0.1.0"
