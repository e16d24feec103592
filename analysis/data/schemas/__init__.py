"""Schemas (pandera) of the tidy tables."""
