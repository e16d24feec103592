"""The case audit list: the year's re-referred children with their ids, for audit on this
machine only (:func:`write_audit_list`). It is personal data: never among the outputs, never
in a pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.errors import ParameterError
from analysis.data.periods import financial_year_label
from analysis.measures import rereferral_breakdowns as rb
from analysis.measures import rereferrals as rr

if TYPE_CHECKING:
    from analysis.deep_dive.build import Prepared

def write_audit_list(prepared: Prepared, target: str | Path,
                     forbidden: Sequence[Path] = ()) -> Path:
    """Write the year's re-referred children (ids, referral dates, previous referral and its
    closure date and reason) to ``target``, a CSV for case audit kept on this machine:
    permissions 0600 (owner only), a first line saying it holds personal data. Refused
    inside any folder of ``forbidden`` (the pack folders and ``outputs/``)."""
    import os

    from analysis.core.atomic import atomic_path

    target = Path(target).expanduser().resolve()
    for folder in forbidden:
        folder = Path(folder).resolve()
        if target == folder or target.is_relative_to(folder):
            raise ParameterError("the audit list may not be written among shared outputs",
                                 parameter="audit_list",
                                 expected=f"a path outside {folder}", found=str(target),
                                 fix="write it to a private folder on this machine")
    year_end = pd.Timestamp(prepared.year, 3, 31)
    f = prepared.flagged
    previous = rb.previous_outcomes(f)
    re = rr.select_year(f.loc[previous.index], year_end)
    prev = previous.loc[re.index]
    out = pd.DataFrame({
        "child_id": re["child_id"], "referral_id": re["referral_id"],
        "referral_date": re["referral_date"].dt.strftime("%Y-%m-%d"),
        "previous_referral_date": pd.to_datetime(re["previous_referral_date"])
        .dt.strftime("%Y-%m-%d"),
        "days_since_previous": re["days_since_previous"],
        "previous_outcome": prev["previous_outcome"],
        "previous_closure_date": pd.to_datetime(prev["previous_closure_date"])
        .dt.strftime("%Y-%m-%d"),
        "previous_closure_reason": prev["previous_closure_reason"],
    }).sort_values(["referral_date", "child_id"])
    header = (f"# PERSONAL DATA: re-referred children of {prepared.la.name}, "
              f"{financial_year_label(prepared.year)}, for case audit only. Keep it on this "
              "machine; do not email, share or put it in a pack.\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        os.chmod(tmp, 0o600)  # owner only before a byte is written
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(header)
            out.to_csv(fh, index=False)
    os.chmod(target, 0o600)
    return target


__all__ = ["write_audit_list"]
