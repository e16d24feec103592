"""The deep dive on DuckDB: the extract read into DuckDB (file row numbers kept), the records
grouped into classes counted alike (weights), suppression over weighted classes giving what
it gives over the records themselves, and the rolling quarters chosen from the classes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from analysis.data.readers.referral_records import stage_referral_records
from analysis.deep_dive.breakdowns import repeat_raw, source_raw
from analysis.deep_dive.tables import Scope, rolling_quarter_ends, rolling_quarters_raw
from analysis.engine.suppress import LinkedTables, protect
from analysis.measures.rereferrals import flag_rereferrals

FIX = Path(__file__).parent / "fixtures" / "referrals"


def test_the_extract_is_read_into_duckdb_with_its_row_numbers():
    con = duckdb.connect()
    report = stage_referral_records(con, FIX / "good.csv", today="2020-01-01")
    rows = con.execute("SELECT _row, referral_id, referral_source FROM referrals "
                       "ORDER BY _row").fetchall()
    # good.csv: header on line 1, six referrals on lines 2-7; source 6 and "Police" are
    # Police, 2A Schools, 99 unknown (flagged on its line, 5)
    assert [r[0] for r in rows] == [2, 3, 4, 5, 6, 7]
    assert [r[2] for r in rows][:4] == ["Police", "Police", "Schools", "unknown"]
    assert report.flagged["referral source unknown or not recorded (kept as 'unknown')"] == [5]
    assert (report.rows_in, report.rows_used) == (6, 6)


def test_a_spaces_only_row_is_blank_and_values_are_trimmed(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text("child_id,referral_id,referral_date,referral_source,referral_nfa\n"
                    " C1 , R1 ,2017-01-05, 6 ,no\n"
                    "  ,  , , ,\n"
                    "C2,R2,06/01/2017,Police,yes\n", encoding="utf-8")
    con = duckdb.connect()
    report = stage_referral_records(con, path, today="2020-01-01")
    got = con.execute("SELECT _row, child_id, referral_id, referral_date, referral_nfa "
                      "FROM referrals ORDER BY _row").fetchall()
    assert report.rows_in == 2  # line 3 holds nothing: not a row
    assert [(r[0], r[1], r[2], r[4]) for r in got] == [(2, "C1", "R1", False),
                                                       (4, "C2", "R2", True)]
    assert [r[3].date().isoformat() for r in got] == ["2017-01-05", "2017-01-06"]


def _flagged(rows: list[tuple[str, str, str]], start: str = "2015-04-01") -> pd.DataFrame:
    df = pd.DataFrame([{"child_id": c, "referral_id": f"R{i:03d}", "referral_date": d,
                        "referral_source": s} for i, (c, d, s) in enumerate(rows)])
    df["referral_date"] = pd.to_datetime(df["referral_date"])
    return flag_rereferrals(df, history_start=start)


def test_records_counted_alike_are_one_class_with_their_number():
    # 30 children referred once by the police on 1 June 2016; 5 by schools on 2 June 2016,
    # each of them referred again by schools on 1 July 2016 (re-referrals, 29 days on)
    rows = ([(f"P{i:02d}", "2016-06-01", "Police") for i in range(30)]
            + [(f"S{i}", "2016-06-02", "Schools") for i in range(5)]
            + [(f"S{i}", "2016-07-01", "Schools") for i in range(5)])
    s = Scope(_flagged(rows), pd.Timestamp("2017-03-31"), pd.Timestamp("2015-04-01"))
    # police (referred once, last of the year); schools' first referrals (not last);
    # schools' re-referrals (referred twice, last): three classes of 30, 5 and 5
    assert s.size == 3 and sorted(s.weight.tolist()) == [5, 5, 30]
    assert int(s.year_re @ s.weight) == 5 and int(s.year @ s.weight) == 40
    table = source_raw(s, grouped=False).frame
    assert dict(zip(table["referral_source"], table["referrals"], strict=True)) == {
        "Police": 30, "Schools": 10}
    repeat = repeat_raw(s).frame
    assert repeat["children"].tolist() == [30, 5, 0] and repeat["all_children"].iloc[0] == 35


def test_suppression_over_weighted_classes_is_suppression_over_the_records():
    # cells x records: a total of 34 records and its parts of 3, 1 and 30; as classes of
    # 3, 1 and 30 records
    records = np.zeros((4, 34), dtype=bool)
    records[0, :] = True
    records[1, :3], records[2, 3], records[3, 4:] = True, True, True
    classes = np.array([[1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=bool)
    by_record = protect(records, groups=[0, 0, 0, 0])
    by_class = protect(classes, groups=[0, 0, 0, 0], weight=np.array([3, 1, 30]))
    # 3 and 1 are hidden (1-4); shown 35 (33-37) less shown 30 (28-32) leaves a + b
    # anywhere from 1 to 9: neither can be worked out, so nothing more is hidden
    assert by_record.hidden.tolist() == by_class.hidden.tolist() == [False, True, True, False]
    assert by_record.shown.tolist() == by_class.shown.tolist()
    linked = LinkedTables(3, weight=np.array([3, 1, 30]))
    frame = pd.DataFrame({"part": ["all", "a", "b", "c"], "n": [34, 3, 1, 30]})
    linked.add("t", frame, ["n"], {(i, "n"): classes[i] for i in range(4)})
    assert linked.publish()["t"]["n"].tolist() == [35, "c", "c", 30]


def test_rolling_quarters_are_chosen_from_the_classes():
    # one child referred on the 2nd of each month from April 2015 to March 2017, history
    # complete from April 2014: the data start part-way through April 2015, so the first
    # full 12 months are May 2015 to April 2016, and the first quarter end June 2016
    dates = pd.date_range("2015-04-01", "2017-03-01", freq="MS") + pd.Timedelta(days=1)
    rows = [(f"C{i:02d}", d.strftime("%Y-%m-%d"), "Police") for i, d in enumerate(dates)]
    s = Scope(_flagged(rows, "2014-04-01"), pd.Timestamp("2017-03-31"),
              pd.Timestamp("2014-04-01"))
    ends = [e.strftime("%Y-%m-%d") for e in rolling_quarter_ends(s)]
    assert ends == ["2016-06-30", "2016-09-30", "2016-12-31", "2017-03-31"]
    table = rolling_quarters_raw(s).frame
    assert table["referrals"].tolist() == [12] * 4 and table["rereferrals"].tolist() == [0] * 4
    # from 1 April 2015 with history only from then: every window holds a referral of
    # unknown history until the one ending March 2017
    late = Scope(_flagged(rows, "2015-04-02"), pd.Timestamp("2017-03-31"),
                 pd.Timestamp("2015-04-02"))
    assert [e.strftime("%Y-%m-%d") for e in rolling_quarter_ends(late)] == ["2017-03-31"]


def test_atoms_by_hand():
    """Records (or classes) in the same cells are one atom, its size their weight; a record
    in no cell is in no atom. Cells: c0 = records 0, 1; c1 = records 1, 2, 4; record 3 in
    neither; record 4 counted like record 2."""
    from analysis.engine.reader_bounds import atoms

    masks = np.array([[1, 1, 0, 0, 0],
                      [0, 1, 1, 0, 1]], dtype=bool)
    a, sizes = atoms(masks)
    # atoms in the order of their packed membership: {c1} (records 2, 4), {c0} (0), {c0, c1} (1)
    assert a.toarray().tolist() == [[0, 1, 1], [1, 0, 1]]
    assert a.dtype == np.int8 and a.has_sorted_indices
    assert sizes.tolist() == [2.0, 1.0, 1.0]
    a, sizes = atoms(masks, weight=np.array([3, 1, 30, 7, 2]))
    assert a.toarray().tolist() == [[0, 1, 1], [1, 0, 1]] and sizes.tolist() == [32.0, 3.0, 1.0]
