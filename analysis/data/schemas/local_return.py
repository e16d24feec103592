"""Schema of the tidy local quarterly table: one row per LA x local indicator code x period.

Built by :func:`analysis.data.readers.local_return.read_local_return` from a council's local return
(see ``docs/data-formats/local-return.md``). Numbers are floats (cleaned of ``%`` and thousands
separators), periods are canonical labels with typed parts, and every row keeps the file and
spreadsheet row it came from so later errors can point at it.
"""

from __future__ import annotations

import pandera.pandas as pa

#: Columns a local return file must have (in any order).
REQUIRED_COLUMNS = ["la_code", "la_name", "indicator_code", "period", "value", "measure_type"]

#: Columns a local return may have; missing optional columns are read as empty.
OPTIONAL_COLUMNS = [
    "indicator_label", "numerator", "denominator", "unit", "target", "tolerance", "polarity",
    "area", "reported_status", "source", "approximate",
]

#: The documented column order of a local return file (and of the blank template).
FILE_COLUMNS = [
    "la_code", "la_name", "indicator_code", "indicator_label", "period", "value", "numerator",
    "denominator", "unit", "target", "tolerance", "polarity", "area", "measure_type",
    "reported_status", "source", "approximate",
]

#: What the optional ``approximate`` column accepts: the papers give the figure as approximate
#: ("approximately 56%"), so the pack says "about".
APPROXIMATE = {"": False, "no": False, "false": False, "yes": True, "true": True}

MEASURE_TYPES = ["contract", "volumetric", "context", "profile"]
POLARITIES = ["lower_is_better", "higher_is_better", "none"]
STATUSES = ["on_target", "inside_tolerance", "outside_tolerance", "no_target"]
PERIOD_TYPES = ["quarter", "month", "year"]

#: Columns of the tidy table, in order.
COLUMNS = [
    "la_code", "la_name", "indicator_code", "indicator", "indicator_label",
    "period", "period_type", "year", "quarter", "month",
    "value", "numerator", "denominator", "unit", "target", "tolerance", "polarity",
    "area", "measure_type", "reported_status", "source", "approximate", "file", "row",
]

LocalReturnSchema = pa.DataFrameSchema(
    {
        "la_code": pa.Column(str, pa.Check.str_matches(r"^E\d{8}$")),
        "la_name": pa.Column(str, pa.Check.str_length(min_value=1)),
        "indicator_code": pa.Column(str, pa.Check.str_length(min_value=1)),
        # Catalogue id; empty for context/profile figures that are not catalogued.
        "indicator": pa.Column(str, nullable=True),
        "indicator_label": pa.Column(str),
        # Canonical label: "2017-18 Q4", "2018-03" or "2017-18".
        "period": pa.Column(str, pa.Check.str_matches(r"^(\d{4}-\d{2} Q[1-4]|\d{4}-\d{2})$")),
        "period_type": pa.Column(str, pa.Check.isin(PERIOD_TYPES)),
        # The financial year the period falls in, keyed by the year it ends (2018 = 2017-18).
        "year": pa.Column("int64", pa.Check.in_range(1990, 2100)),
        "quarter": pa.Column("Int64", pa.Check.isin([1, 2, 3, 4]), nullable=True),
        "month": pa.Column("Int64", pa.Check.in_range(1, 12), nullable=True),
        "value": pa.Column(float, nullable=True),
        "numerator": pa.Column(float, nullable=True),
        "denominator": pa.Column(float, nullable=True),
        "unit": pa.Column(str),
        "target": pa.Column(float, nullable=True),
        "tolerance": pa.Column(float, nullable=True),
        "polarity": pa.Column(str, pa.Check.isin(POLARITIES)),
        "area": pa.Column(str, nullable=True),
        "measure_type": pa.Column(str, pa.Check.isin(MEASURE_TYPES)),
        "reported_status": pa.Column(str, pa.Check.isin(STATUSES), nullable=True),
        "source": pa.Column(str, nullable=True),
        "approximate": pa.Column(bool),
        "file": pa.Column(str),
        "row": pa.Column("int64", pa.Check.ge(2)),
    },
    checks=[
        pa.Check(lambda df: df["quarter"].notna() == (df["period_type"] == "quarter"),
                 error="quarter present iff period_type is 'quarter'"),
        pa.Check(lambda df: df["month"].notna() == (df["period_type"] == "month"),
                 error="month present iff period_type is 'month'"),
        pa.Check(lambda df: df["tolerance"].isna() | df["target"].notna(),
                 error="a tolerance needs a target"),
        pa.Check(lambda df: df["target"].isna() | (df["polarity"] != "none"),
                 error="a target needs a polarity"),
        pa.Check(
            lambda df: ~((df["unit"] == "percent")
                         & ~df["value"].between(0, 100) & df["value"].notna()),
            error="percentages lie between 0 and 100",
        ),
    ],
    unique=["la_code", "indicator_code", "period"],
    strict=True,
    ordered=True,
    coerce=True,
)
