"""Readers of an LA's statutory returns (CIN census, SSDA903) into staged tables."""
