"""Every LA's judged figures, worked out once by ``python -m analysis prepare``.

The explorer shows, for any LA, every indicator judged against England, the region and the
statistical neighbours (the list in force each year) at 95% confidence. Those figures do not
depend on what a visitor picks, so ``prepare`` works them out once for every LA, indicator and
year (:func:`judge_every_la`) and writes them beside the benchmark table
(``data/processed/judged.parquet``), recording in ``benchmarks.manifest.json`` the table they
were worked out from (its sha256), the level and the neighbour list. :func:`read_judged` gives
them back only while that record matches the benchmark table on disk; otherwise (no file, a
table rebuilt since, a damaged file) it returns None and the caller works them out itself.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.core.atomic import atomic_path, sha256_file
from analysis.core.config import Paths
from analysis.data.catalogue import Catalogue
from analysis.data.geography import LocalAuthority

#: The prepared judged figures, beside the benchmark table.
JUDGED_FILE = "judged.parquet"
#: The confidence level and neighbour list (None: the list in force each year) prepared.
PREPARED_LEVEL = 0.95
PREPARED_VERSION: str | None = None


def judged_path(paths: Paths) -> Path:
    return paths.processed / JUDGED_FILE


def judge_every_la(table: pd.DataFrame, las: list[LocalAuthority], catalogue: Catalogue,
                   paths: Paths, version: str | None, level: float) -> pd.DataFrame:
    """Every LA's benchmark rows for every indicator and year, judged at ``level`` against
    England, the region and the statistical neighbours (list ``version``; None: the list in
    force each year). Rows in the order :func:`analysis.engine.benchmark.benchmark_rows` gives."""
    from analysis.engine.benchmark import benchmark_rows, rank_all_once
    from analysis.engine.judgement import judge_table

    bench = benchmark_rows(table, las, catalogue, neighbours_version=version, paths=paths,
                           ranked=rank_all_once(table, catalogue))
    return judge_table(bench, catalogue, level=level).reset_index(drop=True)


def _manifest_path(paths: Paths) -> Path:
    return paths.benchmarks_table.with_suffix(".manifest.json")


def _manifest(paths: Paths) -> dict[str, Any]:
    try:
        found = json.loads(_manifest_path(paths).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_judged(paths: Paths, table: pd.DataFrame, las: list[LocalAuthority],
                 catalogue: Catalogue) -> tuple[Path, pd.DataFrame]:
    """Work out :func:`judge_every_la` at the prepared level and neighbour list, write it
    atomically and record it in the benchmark table's manifest."""
    started = dt.datetime.now(dt.UTC)
    judged = judge_every_la(table, las, catalogue, paths, PREPARED_VERSION, PREPARED_LEVEL)
    out = judged_path(paths)
    with atomic_path(out) as tmp:
        judged.to_parquet(tmp, index=False)
    manifest = _manifest(paths)
    manifest["judged"] = {
        "table": out.name, "rows": len(judged), "created": started.isoformat(timespec="seconds"),
        "level": PREPARED_LEVEL, "neighbours": "the list in force each year",
        "benchmarks_sha256": sha256_file(paths.benchmarks_table),
        "sha256": sha256_file(out),
        # columns of mixed Python objects (words and blanks), read back as such
        "object_columns": [str(c) for c in judged.columns if judged[c].dtype == object],
    }
    with atomic_path(_manifest_path(paths)) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out, judged


def read_judged(paths: Paths) -> pd.DataFrame | None:
    """The prepared judged figures, or None when there are none for the benchmark table on disk
    (not prepared, the table rebuilt since, or the file changed or damaged)."""
    import pyarrow.parquet as pq

    record = _manifest(paths).get("judged")
    path = judged_path(paths)
    if not isinstance(record, dict) or not path.exists() or not paths.benchmarks_table.exists():
        return None
    if (record.get("benchmarks_sha256") != sha256_file(paths.benchmarks_table)
            or record.get("sha256") != sha256_file(path)):
        return None
    try:
        frame = pq.ParquetFile(path).read().to_pandas()
    except (OSError, ValueError):
        return None
    objects = [c for c in record.get("object_columns", []) if c in frame.columns]
    return frame.astype(dict.fromkeys(objects, object)) if objects else frame
