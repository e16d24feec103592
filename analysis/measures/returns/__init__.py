"""Measures computed from an LA's staged statutory returns by DfE's definitions, in DuckDB."""
