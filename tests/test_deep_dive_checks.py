"""Inputs that would mislead the deep dive are stopped, or said on page 1, with numbers:
dates written month first, exact copies of a row, another LA's rows, rows left out, a
figure far from DfE's published one, and no absolute path in a pack's manifest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from test_deep_dive import COLUMNS, _rows

from analysis.app.params import validate_parameters
from analysis.app.runs import RunFile
from analysis.app.shown_paths import outside_files, shown_parameters
from analysis.core.config import project_relative
from analysis.core.errors import InputDataError, ParameterError
from analysis.data.geography import load_areas, resolve_la
from analysis.data.readers.referral_records import ReadReport, read_referral_records
from analysis.deep_dive.build import build_deep_dive
from analysis.deep_dive.dfe_check import dfe_difference_notes, dfe_range
from analysis.deep_dive.dfe_comparison import DFE_MEASURES, dfe_evidence
from analysis.deep_dive.findings import intro_markdown
from analysis.deep_dive.input_checks import rows_left_out_note
from analysis.deep_dive.records import load_records

HEAD = "child_id,referral_id,Referral Date,referral_source,referral_nfa"


def _csv(path: Path, *lines: str, head: str = HEAD) -> Path:
    path.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
    return path


def _doncaster(paths):
    return resolve_la("Doncaster", load_areas(paths.root))


# 1. Day and month order -------------------------------------------------------------


def test_month_first_dates_are_refused_with_column_rows_example_and_fix(tmp_path):
    # 03/31/2017 and 04/13/2017 cannot be day first (no month 31 or 13); no date has a
    # first part over 12; 01/02/2017 fits either order.
    path = _csv(tmp_path / "us.csv", "C1,R1,03/31/2017,6,no", "C2,R2,04/13/2017,6,no",
                "C3,R3,01/02/2017,6,no")
    with pytest.raises(InputDataError, match="month first") as err:
        read_referral_records(path, on_bad_rows="drop", today="2020-01-01")
    text = str(err.value)
    assert "column 'Referral Date'" in text and "rows 2, 3" in text
    assert "2 of 3 dates with a second part over 12" in text
    assert "'03/31/2017' in row 2" in text and "YYYY-MM-DD" in text


def test_day_first_dates_are_read_and_a_mixed_column_is_not_taken_for_month_first(tmp_path):
    path = _csv(tmp_path / "uk.csv", "C1,R1,31/03/2017,6,no", "C2,R2,01/02/2017,6,no")
    df, _ = read_referral_records(path, today="2020-01-01")
    assert df["referral_date"].tolist() == [pd.Timestamp("2017-03-31"), pd.Timestamp("2017-02-01")]
    # 31/03 is day first, 03/31 month first: the order is not clear, the bad row is left out
    mixed = _csv(tmp_path / "mixed.csv", "C1,R1,31/03/2017,6,no", "C2,R2,03/31/2017,6,no")
    df, report = read_referral_records(mixed, on_bad_rows="drop", today="2020-01-01")
    assert len(df) == 1 and report.rows_dropped == 1


# 3. Exact copies ----------------------------------------------------------------------


def test_an_exact_copy_is_read_once_and_counted(tmp_path):
    path = _csv(tmp_path / "copies.csv", "C1,R1,2017-01-05,6,no", "C2,R2,2017-01-06,6,no",
                "C1,R1,2017-01-05,6,no", "C2,R2,2017-01-06,6,no", "C1,R1,2017-01-05,6,no")
    df, report = read_referral_records(path, today="2020-01-01")
    assert df["referral_id"].tolist() == ["R1", "R2"]
    assert (report.rows_in, report.rows_used, report.rows_dropped, report.copies) == (
        5, 2, 0, [4, 5, 6])
    assert "3 exact copies of an earlier row" in report.summary()
    # the same referral id with a different date is not a copy: both rows are refused
    clash = _csv(tmp_path / "clash.csv", "C1,R1,2017-01-05,6,no", "C1,R1,2017-01-07,6,no")
    with pytest.raises(InputDataError, match="duplicate referral id"):
        read_referral_records(clash, today="2020-01-01")


def test_copies_leave_the_deep_dive_as_it_was_and_page_one_says_so(tmp_path, paths, bench_table):
    # The hand-made extract of test_deep_dive (73 rows, 2016-17: 56 referrals, 20
    # re-referrals, published 55 and 20) with its first 7 rows given twice. Its exact rate,
    # 35.7%, would give back a referral counted once elsewhere (a reader could work out
    # 56 and 20 exactly, then the hidden 1), so the rate is hidden: "c".
    rows = _rows()
    path = tmp_path / "referrals_extract.csv"
    pd.DataFrame(rows + rows[:7], columns=COLUMNS).to_csv(path, index=False)
    dive = build_deep_dive(_doncaster(paths), path, None, paths=paths, today="2020-01-01")
    annual = dive.tables["annual"]
    assert (annual["referrals"].iloc[0], annual["rereferrals"].iloc[0],
            annual["percent"].iloc[0]) == (55, 20, "c")
    assert (dive.rows_in, dive.rows_used, dive.rows_dropped) == (80, 72, 1)
    summary = dict(zip(dive.tables["read_summary"]["what"],
                       dive.tables["read_summary"]["rows"], strict=True))
    assert summary["Exact copies of an earlier row (the referral read once)"] == 5  # 7, rounded like every count
    assert "5 of the 80 rows read were exact copies of an earlier row (counts rounded to the nearest 5)" in intro_markdown(dive)


# 4. The LA's code ---------------------------------------------------------------------


def test_rows_of_another_la_are_refused_naming_the_codes(tmp_path, paths):
    doncaster = _doncaster(paths)
    head = HEAD + ",LEA"
    ok = _csv(tmp_path / "ok.csv", "C1,R1,2017-01-05,6,no,371", "C2,R2,2017-01-06,6,no,e08000017",
              "C3,R3,2017-01-07,6,no,", head=head)
    df, _ = read_referral_records(ok, today="2020-01-01", la=doncaster)
    assert len(df) == 3
    two = _csv(tmp_path / "two.csv", "C1,R1,2017-01-05,6,no,371", "C2,R2,2017-01-06,6,no,372",
               "C3,R3,2017-01-07,6,no,372", head=head)
    with pytest.raises(InputDataError, match="rows of another LA in Doncaster's records") as err:
        load_records(two, today="2020-01-01", la=doncaster)
    text = str(err.value)
    assert "column 'LEA'" in text and "rows 3, 4" in text
    assert "372 (2 rows), 371 (1 row)" in text and "E08000017 or 371" in text
    with pytest.raises(InputDataError, match="more than one LA"):
        read_referral_records(two, today="2020-01-01")


# 2. Rows left out ---------------------------------------------------------------------


def _report(rows_in: int, left_out: int) -> ReadReport:
    report = ReadReport(file="extract.csv", rows_in=rows_in, rows_used=rows_in - left_out)
    report.dropped = {"referral_date: referral date missing or not a date":
                      list(range(2, 2 + left_out))}
    return report


def test_rows_left_out_over_one_percent_are_said_and_over_ten_refused():
    assert rows_left_out_note(_report(200, 2)) is None  # 1.0% is not more than 1%
    note = rows_left_out_note(_report(200, 3))
    assert note is not None and note.evidence["percent"] == 1.5
    assert note.text.startswith("c (hidden) of the 200 rows read (counts rounded to the nearest 5; 1.5% of the rows) were left out of every figure: "
                                "referral date missing or not a date (c (hidden) rows).")
    assert rows_left_out_note(_report(200, 20)) is not None  # 10.0%: said, not refused
    with pytest.raises(InputDataError, match=r"21 of 200 rows \(10.5%\) cannot be used") as err:
        rows_left_out_note(_report(200, 21))
    assert "--allow-rows-left-out" in str(err.value) and "rows 2, 3" in str(err.value)
    allowed = rows_left_out_note(_report(200, 21), allow=True)
    assert allowed is not None and "asked to go on" in allowed.text


def test_the_deep_dive_refuses_and_goes_on_when_told(tmp_path, paths, bench_table):
    # 73 rows, 1 with no child id; 8 more with no date: 9 of 81 (11.1%) cannot be used.
    rows = _rows() + [[f"CHILD-N{i}", f"REF-N{i}", "", "6", "no", "", "", "", "", "", "", ""]
                      for i in range(8)]
    path = tmp_path / "referrals_extract.csv"
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    with pytest.raises(InputDataError, match=r"9 of 81 rows \(11.1%\)"):
        build_deep_dive(_doncaster(paths), path, None, paths=paths, today="2020-01-01")
    dive = build_deep_dive(_doncaster(paths), path, None, paths=paths, today="2020-01-01",
                           allow_rows_left_out=True)
    assert "10 of the 80 rows read (counts rounded to the nearest 5; 11.1% of the rows) were left out" in intro_markdown(dive)
    assert dive.tables["annual"]["referrals"].iloc[0] == 55  # the usable rows as before


def test_allow_rows_left_out_is_a_checked_parameter_and_a_run_file_field():
    validate_parameters("rereferrals_deep_dive", {"allow_rows_left_out": True})
    with pytest.raises(ParameterError, match="allow_rows_left_out") as err:
        validate_parameters("rereferrals_deep_dive", {"allow_rows_left_out": "yes"})
    assert "true or false" in str(err.value)
    assert RunFile(las=["Doncaster"], allow_rows_left_out=True).allow_rows_left_out is True


def test_cli_refuses_too_many_rows_left_out_and_names_the_option(tmp_path):
    from typer.testing import CliRunner

    from analysis.app.cli import app

    rows = [[f"C{i}", f"R{i}", "2017-02-30" if i % 4 == 0 else "2017-01-05", "6", "no"]
            for i in range(40)]
    path = tmp_path / "extract.csv"
    pd.DataFrame(rows, columns=COLUMNS[:5]).to_csv(path, index=False)
    result = CliRunner().invoke(app, ["deep-dive", "--la", "Doncaster", "--records", str(path),
                                      "--output", str(tmp_path / "out"), "--no-pdf"])
    assert result.exit_code == 2
    assert "10 of 40 rows (25.0%) cannot be used" in result.output
    assert "--allow-rows-left-out" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.html"))


# 5. Beside DfE's published figure -----------------------------------------------------


def test_range_around_dfes_rate():
    # Doncaster 2018-19, DfE 27.0%: with 4,640 referrals, 27.0 +- 3.09 * sqrt(27 * 73 / 4640)
    # = 27.0 +- 2.0 points.
    low, high = dfe_range(27.0, 4640)
    assert (round(low, 1), round(high, 1)) == (25.0, 29.0)


def _published(percent: float, num: int, den: int, year: str = "2018-19") -> pd.DataFrame:
    return pd.DataFrame([{"measure": DFE_MEASURES["re_referrals"], "records_year": year,
                          "numerator": num, "denominator": den, "percent": percent}])


def test_a_figure_far_from_dfes_is_said_with_both_figures(paths, bench_table):
    evidence = dfe_evidence(bench_table, _doncaster(paths), 2019, paths)
    rr = evidence.loc[evidence["measure"] == DFE_MEASURES["re_referrals"]].iloc[0]
    # DfE, Doncaster 2018-19: 1,290 re-referrals of 4,781 referrals, 27.0%
    assert (rr["value"], rr["numerator"], rr["denominator"]) == (27.0, 1290, 4781)
    assert rr["published"] == dt.date(2019, 10, 31)
    assert rr["counts_rounded"] is not None and not rr["counts_rounded"]  # 1,290 is not x5
    notes = dfe_difference_notes(_published(24.1, 1120, 4640), evidence, "Doncaster",
                                 rows_left_out=3887)
    assert len(notes) == 1
    text = notes[0].text
    assert text.startswith("Re-referrals within 12 months, 2018-19: the records give 24.1% "
                           "(1,120 of 4,640 referrals")
    assert "DfE published 27.0% for Doncaster (1,290 of 4,781 referrals; " in text
    assert "DfE first published the 2018-19 figures on 31 October 2019" in text
    assert "2.9 points" in text
    assert "25.0% to 29.0%" in text and "3,887 rows of the records were left out" in text
    assert notes[0].evidence["dfe_denominator"] == 4781
    # inside the range (25.5%), or outside it but within 2 points (25.5% of 100,000), or
    # more than 2 points away but inside the range of 100 referrals, or another year: nothing
    assert dfe_difference_notes(_published(25.5, 1183, 4640), evidence, "Doncaster") == ()
    assert dfe_difference_notes(_published(25.5, 25500, 100000), evidence, "Doncaster") == ()
    assert dfe_difference_notes(_published(20.0, 20, 100), evidence, "Doncaster") == ()
    assert dfe_difference_notes(_published(9.0, 420, 4640, "2019-20"), evidence,
                                "Doncaster") == ()
    # a suppressed figure is not compared
    assert dfe_difference_notes(_published("c", "c", 10), evidence, "Doncaster") == ()


def test_counts_far_apart_are_given_as_an_explanation(paths, bench_table):
    evidence = dfe_evidence(bench_table, _doncaster(paths), 2019, paths)
    (note,) = dfe_difference_notes(_published(9.0, 75, 835), evidence, "Doncaster",
                                   synthetic=True)
    assert "these records are synthetic, not Doncaster's" in note.text
    assert ("the records hold 835 referrals in the year against the 4,781 in DfE's figures, so "
            "the extract may not hold every referral") in note.text
    (more,) = dfe_difference_notes(_published(9.0, 540, 6000), evidence, "Doncaster")
    assert "6,000 referrals in the year against the 4,781" in more.text
    assert "may hold contacts or referrals the census return does not count" in more.text


# 6. Paths in the manifest -------------------------------------------------------------


def test_paths_outside_the_project_are_shown_by_file_name(tmp_path, paths):
    root = paths.root
    assert project_relative(root / "data" / "raw" / "x.csv", root) == "data/raw/x.csv"
    assert project_relative(tmp_path / "secret" / "extract.csv", root) == "extract.csv"
    params = {"la": "E08000017", "records": str(tmp_path / "extract.csv"),
              "inside": str(root / "data" / "raw" / "x.csv"), "period": None}
    assert shown_parameters(params, root) == {"la": "E08000017", "records": "extract.csv",
                                              "inside": "data/raw/x.csv", "period": None}
    assert outside_files(params, root) == ["extract.csv"]


def test_an_approximate_publication_date_is_said_as_its_month():
    """A date config/publications.yaml marks approximate is printed as the month, never a day."""
    import datetime as dt

    from analysis.deep_dive.dfe_check import _date

    assert _date(dt.date(2017, 11, 2), True, "2016-17") == \
        "DfE first published the 2016-17 figures about November 2017"
    assert _date(dt.date(2019, 10, 31), False, "2018-19") == \
        "DfE first published the 2018-19 figures on 31 October 2019"
