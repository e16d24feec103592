"""An LA's statutory returns (CIN census XML, SSDA903 CSV) read into staged DuckDB tables."""
