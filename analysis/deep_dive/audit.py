"""The case audit list: the year's re-referred children with their ids, for audit on this
machine only (:func:`write_audit_list`). It is personal data: never among the outputs, never
in a pack.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.core.errors import ParameterError
from analysis.data.periods import financial_year_label
from analysis.deep_dive.record_classes import previous_sql

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
    end = f"TIMESTAMP '{prepared.year}-03-31'"
    out = prepared.con.execute(f"""
        WITH f AS MATERIALIZED (SELECT row_number() OVER (ORDER BY _row) AS _pos, *
                                FROM flagged),
        pv AS ({previous_sql("f")})
        SELECT f.child_id, f.referral_id, strftime(f.referral_date, '%Y-%m-%d') AS referral_date,
          strftime(f.previous_referral_date, '%Y-%m-%d') AS previous_referral_date,
          f.days_since_previous, pv.previous_outcome,
          strftime(pv.previous_closure_date, '%Y-%m-%d') AS previous_closure_date,
          pv.previous_closure_reason
        FROM f JOIN pv USING (_pos)
        WHERE f.referral_date > {end} - INTERVAL 12 MONTH AND f.referral_date <= {end}
        ORDER BY referral_date, child_id""").df()
    out["days_since_previous"] = out["days_since_previous"].astype("Int64")
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
