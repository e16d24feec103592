"""Measures computed from staged returns in the local return's shape
(``docs/data-formats/local-return.md``), so the quarterly pack's local sections can use them.

Each result becomes a ``context`` row: its code is the catalogue id (``re_referrals``), its
label, unit and polarity the catalogue's, with no target or tolerance (the LA's own targets
live in its own return), and its source names the returns it was computed from.
"""

from __future__ import annotations

import pandas as pd

from analysis.data.catalogue import Catalogue
from analysis.data.schemas.local_return import FILE_COLUMNS

__all__ = ["as_local_return"]


def _label(catalogue: Catalogue, indicator_id: str) -> tuple[str, str]:
    indicator = catalogue.indicators.get(indicator_id)
    if indicator is None:
        return indicator_id.replace("_", " ").capitalize(), "none"
    return indicator.label, indicator.polarity


def as_local_return(results: pd.DataFrame, la_code: str, la_name: str,
                    catalogue: Catalogue) -> pd.DataFrame:
    """``results`` (measure results, ``RESULT_COLUMNS``) as local return rows of the LA whose
    ONS code is ``la_code``."""
    labels = [_label(catalogue, i) for i in results["indicator_id"]]
    out = pd.DataFrame({
        "la_code": la_code,
        "la_name": la_name,
        "indicator_code": results["indicator_id"].to_numpy(),
        "indicator_label": [label for label, _ in labels],
        "period": results["period"].to_numpy(),
        "value": results["value"].to_numpy(),
        "numerator": results["numerator"].to_numpy(),
        "denominator": results["denominator"].to_numpy(),
        "unit": results["unit"].to_numpy(),
        "target": None,
        "tolerance": None,
        "polarity": [polarity for _, polarity in labels],
        "area": None,
        "measure_type": "context",
        "reported_status": None,
        "source": [f"{la_name}'s statutory returns ({files})" for files in results["files"]],
        "approximate": None,
    }, index=range(len(results)))
    return out[FILE_COLUMNS]
