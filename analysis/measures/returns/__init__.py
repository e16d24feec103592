"""Measures computed from an LA's own statutory returns (CIN census, SSDA903) by DfE's
definitions, in SQL on DuckDB over the staged tables."""
