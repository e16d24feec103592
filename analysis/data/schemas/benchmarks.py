"""Schema of the tidy annual benchmark table, ``data/processed/benchmarks.parquet``."""

from __future__ import annotations

import pandera.pandas as pa

from analysis.data.readers.symbols import STATUS_MEANINGS

COLUMNS = [
    "indicator", "year", "period", "level", "area_code", "old_la_code", "area_name",
    "region_code", "region_name", "value", "numerator", "denominator", "status", "source",
]

BenchmarkSchema = pa.DataFrameSchema(
    {
        "indicator": pa.Column(str),
        "year": pa.Column("int64", pa.Check.in_range(1990, 2100)),
        "period": pa.Column(str),
        "level": pa.Column(str, pa.Check.isin(["national", "regional", "la"])),
        "area_code": pa.Column(str, pa.Check.str_matches(r"^E\d{8}$")),
        "old_la_code": pa.Column(str, nullable=True),
        "area_name": pa.Column(str),
        "region_code": pa.Column(str, nullable=True),
        "region_name": pa.Column(str, nullable=True),
        "value": pa.Column(float, nullable=True),
        "numerator": pa.Column(float, nullable=True),
        "denominator": pa.Column(float, nullable=True),
        "status": pa.Column(str, pa.Check.isin(list(STATUS_MEANINGS))),
        "source": pa.Column(str),
    },
    checks=[
        # A value is present exactly when the status says it was published.
        pa.Check(lambda df: df["value"].notna() == (df["status"] == "published"),
                 error="value present iff status is 'published'"),
    ],
    unique=["indicator", "year", "area_code"],
    strict=True,
    ordered=True,
    coerce=True,
)
