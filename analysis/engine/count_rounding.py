"""Which published counts DfE rounded, so that every text showing them can say "about".

DfE rounds some counts it publishes for each LA: LAIT's care leavers aged 19-21 (in
education, employment or training, and all care leavers, the denominator of both care leaver
percentages) for 2014-15 to 2016-17, and looked-after children with three or more placements
for 2015-16 and 2016-17, are all multiples of 5, while the percentages beside them are worked
out from the unrounded counts (Doncaster 2016-17: 47% of care leavers in education, employment
or training, published as 75 of 165, which is 45.5%). A count that is a multiple of the base
in every LA with a figure, across more than :data:`MIN_LAS` LAs, was rounded: by chance alone
that would happen with odds of less than one in 5 to the power 30.
"""

from __future__ import annotations

import pandas as pd

#: Bases DfE rounds counts to, largest first.
BASES: tuple[int, ...] = (10, 5)

#: A count column is judged rounded only when at least this many LAs have a figure.
MIN_LAS = 30

#: The columns :func:`with_count_rounding` adds: the base each count was rounded to (0: exact).
ROUNDING_COLUMNS = ("numerator_rounding", "denominator_rounding")


def rounding_base(counts: pd.Series) -> int:
    """The base every count in ``counts`` is a multiple of (10 or 5), or 0 when they are not
    all multiples, or there are too few counts to tell."""
    values = pd.to_numeric(counts, errors="coerce").dropna()
    values = values[values > 0]
    if len(values) < MIN_LAS:
        return 0
    for base in BASES:
        if bool(((values % base) == 0).all()):
            return base
    return 0


def count_rounding(table: pd.DataFrame) -> pd.DataFrame:
    """For each indicator and year of the tidy benchmark table, the base DfE rounded each
    LA's numerator and denominator to (0: published exactly).

    Columns: indicator, year, numerator_rounding, denominator_rounding.
    """
    las = table[table["level"] == "la"] if "level" in table.columns else table
    rows = [{"indicator": ind, "year": int(year),
             "numerator_rounding": rounding_base(group["numerator"]),
             "denominator_rounding": rounding_base(group["denominator"])}
            for (ind, year), group in las.groupby(["indicator", "year"], sort=False)]
    return pd.DataFrame(rows, columns=["indicator", "year", *ROUNDING_COLUMNS])


def with_count_rounding(bench: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``bench`` (rows with indicator and year) with :data:`ROUNDING_COLUMNS` from ``table``."""
    base = bench.drop(columns=[c for c in ROUNDING_COLUMNS if c in bench.columns])
    wanted = table[table["indicator"].isin(set(base["indicator"]))]
    out = base.merge(count_rounding(wanted), on=["indicator", "year"], how="left")
    out.index = base.index
    for column in ROUNDING_COLUMNS:
        out[column] = out[column].fillna(0).astype(int)
    return out
