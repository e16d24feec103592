"""Small-number suppression (primary and secondary) and the identifier guards."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import InputDataError, ParameterError
from analysis.engine.identifiers import assert_no_identifiers, drop_identifiers
from analysis.engine.suppress import suppress_counts, suppression_mask


def test_primary_and_secondary_in_rows():
    t = pd.DataFrame({"source": ["A", "B", "C"], "re": [3, 8, 12], "first": [10, 20, 2]})
    s = suppress_counts(t, ["re", "first"])
    # primary: A.re = 3 and C.first = 2 (1-4 hidden). Each row then has one hidden cell,
    # so the other cell in the row goes too (A.first = 10, C.re = 12). Columns then hold
    # two hidden cells each, so nothing more. B is shown in full.
    assert s["re"].tolist() == ["c", 8, "c"]
    assert s["first"].tolist() == ["c", 20, "c"]
    assert s.attrs["suppressed"] == 4
    assert s["source"].tolist() == ["A", "B", "C"]


def test_secondary_in_columns_picks_next_smallest():
    t = pd.DataFrame({"a": [3, 10, 20], "b": [12, 15, 30]})
    m = suppression_mask(t, ["a", "b"])
    # a[0]=3 primary; row 0 -> b[0]=12; column a -> next smallest a[1]=10; column b ->
    # next smallest b[1]=15; row 1 now has two hidden: stable.
    assert m.to_numpy().tolist() == [[True, True], [True, True], [False, False]]


def test_zero_stays_zero_and_five_is_shown():
    t = pd.DataFrame({"a": [0, 5, 7], "b": [6, 9, 8]})
    s = suppress_counts(t, ["a", "b"])
    assert s["a"].tolist() == [0, 5, 7] and s.attrs["suppressed"] == 0
    z = suppress_counts(t, ["a", "b"], suppress_zero=True)
    assert z["a"].tolist()[0] == "c"


def test_single_column_has_no_row_partner():
    t = pd.DataFrame({"n": [2, 40, 50]})
    s = suppress_counts(t, ["n"])
    # column: 2 hidden, next smallest (40) hidden so the total cannot reveal it
    assert s["n"].tolist() == ["c", "c", 50]
    assert suppress_counts(t, ["n"], secondary="none")["n"].tolist() == ["c", 40, 50]


def test_percentages_recomputed_from_suppressed_counts():
    t = pd.DataFrame({"loc": ["N", "S", "E"], "numerator": [3, 30, 40],
                      "denominator": [20, 100, 160], "percent": [15.0, 30.0, 25.0]})
    s = suppress_counts(t, ["numerator", "denominator"],
                        percent_columns={"percent": ("numerator", "denominator")},
                        secondary="columns")
    # numerator 3 hidden, then next smallest numerator 30 (column secondary)
    assert s["numerator"].tolist() == ["c", "c", 40]
    assert s["percent"].tolist() == ["c", "c", 25.0]


def test_unmapped_percentage_is_refused():
    t = pd.DataFrame({"n": [3, 30], "rate_percent": [10.0, 20.0]})
    with pytest.raises(ParameterError, match="percentage columns"):
        suppress_counts(t, ["n"])
    with pytest.raises(ParameterError):
        suppress_counts(t.drop(columns="rate_percent"), ["missing"])
    with pytest.raises(ParameterError):
        suppress_counts(t.drop(columns="rate_percent"), ["n"], threshold=0)


def test_drop_identifiers():
    df = pd.DataFrame({"child_id": ["A"], "Referral ID": ["R"], "Date of birth": ["2010"],
                       "surname": ["X"], "locality": ["N"], "referrals": [3]})
    assert drop_identifiers(df).columns.tolist() == ["locality", "referrals"]


def test_identifier_scan_catches_a_planted_id(tmp_path):
    ids = ["SYN000123", "SYN000456", "SYNR0000001"]
    clean = tmp_path / "out"
    clean.mkdir()
    (clean / "table.csv").write_text("locality,referrals\nNorth,c\nSouth,1230\n")
    (clean / "chart.svg").write_text("<svg><text>North 27%</text></svg>")
    scanned = assert_no_identifiers([clean], ids)
    assert len(scanned) == 2
    nb = {"cells": [{"source": ["df.head()"], "outputs": [{"text": ["0  SYN000456  North"]}]}]}
    (clean / "pack.ipynb").write_text(json.dumps(nb))
    with pytest.raises(InputDataError, match="identifier") as e:
        assert_no_identifiers([clean], ids)
    assert "pack.ipynb" in str(e.value)


def test_identifier_scan_reads_xlsx_and_ignores_short_ids(tmp_path):
    p = tmp_path / "t.xlsx"
    pd.DataFrame({"who": ["SYN000123"], "n": [1]}).to_excel(p, index=False)
    with pytest.raises(InputDataError):
        assert_no_identifiers([p], ["SYN000123"])
    # "12" is shorter than min_length: it would match ordinary numbers, so it is skipped
    q = tmp_path / "n.csv"
    q.write_text("a,b\n12,13\n")
    assert assert_no_identifiers([q], ["12"]) == [q]
    # a referral id is found inside a longer "/"-joined token
    r = tmp_path / "r.html"
    r.write_text("<td>T001/2018-05-01/1</td>")
    with pytest.raises(InputDataError):
        assert_no_identifiers([r], ["T001"])


def test_published_cells_read_back_as_numbers():
    from analysis.engine.suppress import MARKER, is_suppressed, number

    assert number("12") == 12.0 and number(3) == 3.0
    assert all(np.isnan(number(v)) for v in (MARKER, "", None, "n/a"))
    assert is_suppressed("c") and not is_suppressed("") and not is_suppressed(0)
