"""An LA's local quarterly returns: its files in ``data/raw/local/``, read with its own
measures (``config/local/<la>.yaml``), and a blank return to fill in.

File format and naming: ``docs/data-formats/local-return.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import InputDataError
from analysis.core.sizes import check_file_size
from analysis.data.catalogue import Catalogue, load_catalogue
from analysis.data.periods import Quarter, as_quarter
from analysis.data.schemas.local_return import FILE_COLUMNS
from analysis.measures.local_measures import LocalMeasures

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority


def local_return_files(paths: Paths, la: LocalAuthority | None = None) -> list[Path]:
    """Local return files in ``data/raw/local/``: ``*return*.csv`` and ``*return*.xlsx``;
    with ``la``, only that LA's (file names beginning with its slug and ``_``)."""
    folder = paths.raw / "local"
    if not folder.exists():
        return []
    files = [p for ext in ("csv", "xlsx") for p in folder.glob(f"*return*.{ext}")]
    files = sorted(p for p in files if not p.name.startswith(("~$", ".")))
    if la is not None:
        slug = la.slug
        files = [p for p in files if p.name.lower().startswith(f"{slug}_")]
    return files


#: How big a local return usually is, for the message refusing one that is far too big.
USUAL_RETURN = "a quarter's return is a few kilobytes"


def check_return_sizes(files: list[Path]) -> None:
    """Refuse, before any is read, a local return over 50 MB (:mod:`analysis.core.sizes`)."""
    for path in files:
        if path.exists():
            check_file_size(path, "a local quarterly return", usual=USUAL_RETURN)


def read_return_file(path: Path, paths: Paths, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """One return file read with the measures of the LA its name begins with (refused unread
    when it is over 50 MB)."""
    from analysis.data.readers.local_return import read_local_return
    from analysis.measures.local_measures import load_local_measures, slug_of_return

    check_return_sizes([path])
    slug = slug_of_return(path, paths.config)
    if slug is None:
        raise InputDataError(
            "a local return for an LA with no local measures defined", file=path,
            expected="a file named <la>_..._return.csv for an LA with a config/local/<la>.yaml",
            found=path.name,
            fix="rename the file to begin with the LA's name (e.g. rotherham_quarterly_return.csv), "
                "or define the LA's measures in config/local/<la>.yaml")
    catalogue = catalogue or load_catalogue(paths.config / "indicators.yaml")
    return read_local_return(path, load_local_measures(paths.config, slug, catalogue))


def load_local_returns(paths: Paths, la: LocalAuthority, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """Every local return row for ``la``.

    Reads only that LA's return files in ``data/raw/local/`` (names beginning with its slug,
    e.g. ``doncaster_quarterly_return.csv``), with its own measures
    (``config/local/<la>.yaml``): another LA's file, broken or not, is never opened. An
    empty table when there are none (callers check ``.empty``). The same indicator and period
    in two files is an :class:`InputDataError` naming both; a return for an LA whose measures
    are not defined is an :class:`InputDataError` naming the file, and so is a file over 50 MB
    (before any file is read).
    """
    from analysis.data.readers.local_return import empty_local_table, read_local_return
    from analysis.measures.local_measures import load_local_measures, measures_path

    files = local_return_files(paths, la)
    if not files:
        return empty_local_table()
    check_return_sizes(files)
    if not measures_path(paths.config, la.slug).exists():
        raise InputDataError(
            f"a local return for {la.name}, which has no local measures defined",
            file=files[0], expected=f"config/local/{la.slug}.yaml defining its measures",
            fix=f"write config/local/{la.slug}.yaml (see docs/data-formats/local-return.md)")
    catalogue = catalogue or load_catalogue(paths.config / "indicators.yaml")
    measures = load_local_measures(paths.config, la.slug, catalogue)
    parts = [read_local_return(path, measures) for path in files]
    table = pd.concat(parts, ignore_index=True)
    key = ["la_code", "indicator_code", "period"]
    dup = table.duplicated(key, keep=False)
    if dup.any():
        first = table[dup].sort_values(key).head(2)
        raise InputDataError(
            "the same indicator and period are in two local return files",
            file=" and ".join(f"{f} row {r}" for f, r in zip(first["file"], first["row"], strict=True)),
            found=f"{first.iloc[0]['indicator_code']} {first.iloc[0]['period']}",
            fix="keep each quarter's figures in one file only",
        )
    return table


def local_template(measures: LocalMeasures, previous: pd.DataFrame | None = None,
                   period: Quarter | str | None = None) -> pd.DataFrame:
    """A blank return for one LA: one row per measure it defines, in the file's columns.

    LA, label, unit, polarity, area and measure type come from the LA's definitions
    (``config/local/<la>.yaml``); value and reported status are empty. Given ``previous`` (a
    tidy local table), the target and tolerance of each code's latest quarter are carried
    forward (and its area), so an analyst only types the new figures; ``period`` fills the
    period column.
    """
    label = as_quarter(period).label \
        if period is not None else ""
    rows = []
    for code, m in measures.measures.items():
        rows.append({
            "la_code": measures.la_code, "la_name": measures.la_name, "indicator_code": code,
            "indicator_label": m.name, "period": label, "value": "", "numerator": "",
            "denominator": "", "unit": m.unit, "target": "", "tolerance": "", "polarity": m.polarity,
            "area": m.area or "", "measure_type": m.measure_type, "reported_status": "", "source": "",
            "approximate": "",
        })
    frame = pd.DataFrame(rows, columns=FILE_COLUMNS)
    if previous is not None and not previous.empty:
        last = (previous[previous["period_type"] == "quarter"]
                .sort_values(["year", "quarter"]).groupby("indicator_code").tail(1)
                .set_index("indicator_code"))
        for col in ("target", "tolerance"):
            carried = frame["indicator_code"].map(last[col]) if col in last else None
            if carried is not None:
                frame[col] = carried.map(lambda x: "" if x is None or (isinstance(x, float) and np.isnan(x))
                                         else (f"{x:g}" if isinstance(x, float) else str(x)))
    return frame
