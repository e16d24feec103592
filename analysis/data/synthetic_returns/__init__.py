"""Deterministic synthetic statutory returns (CIN census, SSDA903) for demos and tests."""
