"""Deterministic SYNTHETIC statutory returns (CIN census, SSDA903) for one made-up LA."""
