"""Benchmarking and quarterly performance toolkit for English children's social care."""
