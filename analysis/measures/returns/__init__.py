"""Measures computed by DfE's definitions from an LA's staged statutory returns."""
