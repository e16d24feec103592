"""Every LA code in a local return must be an LA the toolkit knows (never silently ignored)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.config import Paths
from analysis.errors import InputDataError


def check_known_la_codes(frame: pd.DataFrame, path: Path | str, paths: Paths) -> None:
    """InputDataError naming the rows of ``frame`` (a tidy local return) whose ``la_code`` is
    no English LA, current or former, in DfE's geography lookup."""
    from analysis.geography import load_areas

    if frame.empty or "la_code" not in frame:
        return
    known = set(load_areas(paths.root)["new_code"].astype(str).str.upper())
    unknown = ~frame["la_code"].astype(str).str.upper().isin(known)
    if not unknown.any():
        return
    rows = frame.loc[unknown, "row"].tolist() if "row" in frame else []
    codes = sorted(set(frame.loc[unknown, "la_code"].astype(str)))
    raise InputDataError(
        "la_code is not a local authority's code", file=path, column="la_code", rows=rows,
        expected="the ONS code of an English LA, e.g. E08000017 for Doncaster (see `python -m analysis las`)",
        found=", ".join(codes[:5]),
        fix="correct the code; figures under an unknown code would be left out of every pack")
