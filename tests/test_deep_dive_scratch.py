"""Where the deep dive's records live while it runs: DuckDB capped in memory and spilling to
a private folder removed afterwards; the ids for the identifier scan written to a file."""

from __future__ import annotations

import stat
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import AnalysisError
from analysis.data.geography import load_areas, resolve_la
from analysis.deep_dive.build import prepare
from analysis.deep_dive.scratch import MEMORY_LIMIT, close_scratch, open_scratch


def test_scratch_is_capped_private_and_removed_on_close():
    con, folder = open_scratch()
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert con.execute("SELECT current_setting('temp_directory')").fetchone() == (str(folder),)
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert MEMORY_LIMIT == "300MB" and limit == ("286.1 MiB",)  # 300,000,000 bytes
        # a slow query shows no progress bar (in a kernel it would land in the notebook)
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
    finally:
        close_scratch(con, folder)
    assert not folder.exists()


def test_a_failed_read_leaves_no_scratch_folder(tmp_path, paths, monkeypatch):
    made: list[Path] = []

    def spy() -> tuple[duckdb.DuckDBPyConnection, Path]:
        con, folder = open_scratch()
        made.append(folder)
        return con, folder

    monkeypatch.setattr("analysis.deep_dive.build.open_scratch", spy)
    bad = tmp_path / "referrals.csv"
    bad.write_text("not,a,referral,extract\n1,2,3,4\n")
    with pytest.raises(AnalysisError):  # refused: the extract has none of the columns
        prepare(resolve_la("Doncaster", load_areas(paths.root)), bad, paths=paths)
    assert len(made) == 1 and not made[0].exists()


def test_write_ids_writes_every_id_once_but_short_numbers(tmp_path, paths):
    from analysis.data.synthetic import generate_referrals

    df = generate_referrals(seed=5, start="2015-03-01", end="2017-03-31", referrals_per_year=200)
    df.loc[0:2, "child_id"] = "12345"    # a 5-digit number: would match counts, left out
    df.loc[3:4, "child_id"] = "123456"   # 6 digits: kept
    df.loc[5, "referral_id"] = "R 7"     # kept, however short a non-number
    path = tmp_path / "referrals.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    prepared = prepare(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)
    try:
        assert prepared.report.rows_dropped == 0
        written = prepared.write_ids(tmp_path / "ids.parquet")
        scratch = prepared.scratch
        assert scratch is not None and scratch.exists()
    finally:
        prepared.close()
    assert scratch is not None and not scratch.exists()
    ids = pd.read_parquet(written)["id"]
    expected = (set(df["child_id"].astype(str)) | set(df["referral_id"].astype(str))) - {"12345"}
    assert ids.is_unique and set(ids) == expected
    assert {"123456", "R 7"} <= set(ids) and "12345" not in set(ids)
