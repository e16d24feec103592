"""The deep dive's input checked as a set, the XML reader's plausibility checks, the
identifier scan during a run, the audit list and user text through the renderers."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import AnalysisError, InputDataError, NoDataError, ParameterError
from analysis.data.geography import load_areas, resolve_la
from analysis.data.readers.cin_xml import read_cin_xml
from analysis.data.readers.cin_xml_schema import DEFAULT_XSD_DIR, validate_cin_xml
from analysis.data.schemas.referrals import REFERRAL_SOURCE_GROUPS
from analysis.deep_dive import report as dd
from analysis.deep_dive.audit import write_audit_list
from analysis.deep_dive.build import build_deep_dive, prepare
from analysis.deep_dive.records import load_records

HEADER = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Message>\n<Header><CollectionDetails>"
          "<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{year}-03-31"
          "</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel><LEA>{lea}"
          "</LEA><SoftwareCode>test</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo>"
          "<DateTime>{year}-04-01T00:00:00</DateTime></Source></Header>\n<Children>\n")


def _detail(ref: str, closure: str | None = None, reason: str = "RC8") -> str:
    close = (f"<CINclosureDate>{closure}</CINclosureDate><ReasonForClosure>{reason}"
             "</ReasonForClosure>") if closure else ""
    return (f"<CINdetails><CINreferralDate>{ref}</CINreferralDate><ReferralSource>6"
            f"</ReferralSource>{close}<ReferralNFA>true</ReferralNFA></CINdetails>")


def _child(cid: str, *details: str) -> str:
    return (f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID><GenderCurrent>1"
            "</GenderCurrent></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI"
            "</Ethnicity></ChildCharacteristics>" + "".join(details) + "</Child>\n")


def _census(path: Path, year: int, lea: str = "371", children: str | None = None) -> Path:
    body = children if children is not None else _child(
        f"C{year}", _detail(f"{year - 1}-06-01", f"{year - 1}-06-02"))
    path.write_text(HEADER.format(year=year, lea=lea) + body + "</Children>\n</Message>\n",
                    encoding="utf-8")
    return path


def test_census_years_must_be_consecutive(tmp_path):
    # Only the 2015 and 2019 returns: the years between would count as no referrals.
    for y in (2015, 2019):
        _census(tmp_path / f"cin_{y}.xml", y)
    with pytest.raises(InputDataError, match="not consecutive") as err:
        load_records(tmp_path)
    text = str(err.value)
    assert "cin_2015.xml" in text and "cin_2019.xml" in text and "2016, 2017, 2018" in text


def test_census_files_must_be_the_las(tmp_path, paths):
    _census(tmp_path / "doncaster_2016.xml", 2016, "371")
    _census(tmp_path / "rotherham_2017.xml", 2017, "372")
    from analysis.data.geography import load_areas, resolve_la

    doncaster = resolve_la("Doncaster", load_areas(paths.root))
    with pytest.raises(InputDataError, match="not from Doncaster") as err:
        load_records(tmp_path, la=doncaster)
    assert "rotherham_2017.xml: LEA 372" in str(err.value)
    assert "doncaster_2016.xml" not in str(err.value).split("found")[-1]
    with pytest.raises(InputDataError, match="more than one LA"):
        load_records(tmp_path)


def test_a_census_year_given_twice_is_refused(tmp_path):
    _census(tmp_path / "a.xml", 2017)
    _census(tmp_path / "b.xml", 2017)
    with pytest.raises(InputDataError, match="more than once") as err:
        load_records(tmp_path)
    assert "a.xml" in str(err.value) and "b.xml" in str(err.value)


def test_xml_reader_leaves_out_implausible_referrals_and_counts_them(tmp_path):
    children = (
        _child("OK1", _detail("2016-06-01", "2016-07-01"))
        + _child("OLD", _detail("1970-01-05"))                  # before 1990
        + _child("FUT", _detail("2035-01-01"))                  # after the census date
        + _child("BIG", _detail("9915-01-01"))                  # would overflow pandas
        + _child("BAC", _detail("2016-08-01", "2016-07-01"))    # closure before referral
        + _child("LAT", _detail("2016-09-01", "9915-02-01")))   # closure after census date
    path = _census(tmp_path / "c.xml", 2017, children=children)
    df = read_cin_xml(path)
    assert df["child_id"].tolist() == ["OK1"]
    read = df.attrs["read"]
    assert read["details_in"] == 6
    assert read["dropped"] == {
        "referral date before 1990": 1,
        "referral date after the census date (31 March 2017)": 2,
        "closure date before referral date": 1,
        "closure date after the census date (31 March 2017)": 1}
    _table, report, _start = load_records(path)
    assert (report.rows_in, report.rows_used, report.rows_dropped) == (6, 1, 5)


def test_child_outside_children_is_a_clear_error(tmp_path):
    path = tmp_path / "nested.xml"
    path.write_text(HEADER.format(year=2017, lea="371") + "<Group>"
                    + _child("X", _detail("2016-06-01")) + "</Group></Children></Message>",
                    encoding="utf-8")
    with pytest.raises(InputDataError, match="not directly under Message/Children") as err:
        read_cin_xml(path)
    assert "at depth 4 inside <Message/Children" in str(err.value)


def test_validate_reports_problems_with_line_numbers(tmp_path):
    children = _child("A", _detail("2016-06-01")) + _child(
        "B", _detail("2016-07-01").replace("<ReferralSource>6", "<ReferralSource>ZZ"))
    path = _census(tmp_path / "bad.xml", 2017, children=children)
    with pytest.raises(InputDataError, match="not valid against the 2017") as err:
        validate_cin_xml(path, xsd_dir=DEFAULT_XSD_DIR)
    # the header is lines 1-3, Children line 4, child A line 5, child B line 6
    assert "line 6, /Message/Children/Child[2]/CINdetails/ReferralSource" in str(err.value)


SECOND_TOOL_2022 = """<?xml version="1.0" encoding="utf-8"?>\r
<!-- written by another case management system's census module -->\r
<Message>\r
  <Header>\r
    <CollectionDetails><Collection>CIN</Collection><Year>2022</Year>\r
      <ReferenceDate>2022-03-31</ReferenceDate></CollectionDetails>\r
    <Source><SourceLevel>L</SourceLevel><LEA>371</LEA><SoftwareCode>OtherTool</SoftwareCode>\r
      <Release>7.2</Release><SerialNo>0012</SerialNo><DateTime>2022-04-02T09:15:00</DateTime>\r
    </Source>\r
  </Header>\r
  <Children>\r
    <Child>\r
      <ChildIdentifiers><LAchildID>ZZ-0001</LAchildID>\r
        <PersonBirthDate>1969-02-01</PersonBirthDate><GenderCurrent>9</GenderCurrent>\r
      </ChildIdentifiers>\r
      <ChildCharacteristics><Ethnicity>REFU</Ethnicity>\r
        <Disabilities><Disability>MOB</Disability><Disability>HAND</Disability></Disabilities>\r
      </ChildCharacteristics>\r
      <CINdetails><CINreferralDate>1970-01-01</CINreferralDate><ReferralSource>10</ReferralSource>\r
        <PrimaryNeedCode>N0</PrimaryNeedCode>\r
        <CINclosureDate>1970-02-01</CINclosureDate><ReasonForClosure>RC7</ReasonForClosure>\r
        <CINPlanDates><CINPlanStartDate>1970-01-10</CINPlanStartDate></CINPlanDates>\r
        <ReferralNFA>0</ReferralNFA></CINdetails>\r
      <CINdetails><CINreferralDate>1970-06-01</CINreferralDate><ReferralSource>9</ReferralSource>\r
        <ReferralNFA>1</ReferralNFA></CINdetails>\r
    </Child>\r
  </Children>\r
</Message>\r
"""


def test_second_tool_2022_sample_is_refused_quickly_with_the_whole_reason(tmp_path):
    path = tmp_path / "other_tool_cin_2022.xml"
    path.write_bytes(SECOND_TOOL_2022.encode("utf-8"))
    validate_cin_xml(path, xsd_dir=DEFAULT_XSD_DIR)  # schema-valid for 2022
    started = time.perf_counter()
    with pytest.raises(NoDataError) as err:
        load_records(path)
    assert time.perf_counter() - started < 5
    text = str(err.value)
    assert "2 referral(s) left out: referral date before 1990 (2)" in text
    assert "further back" not in text


def test_source_ten_is_unknown_not_individual():
    assert REFERRAL_SOURCE_GROUPS["unknown"] == "unknown"
    assert REFERRAL_SOURCE_GROUPS["Individual: self"] == "Individual"


def _extract(tmp_path: Path, name: str = "referrals.csv", **over: object) -> Path:
    from analysis.data.synthetic import generate_referrals

    df = generate_referrals(seed=5, start="2015-03-01", end="2017-03-31",
                            referrals_per_year=200)
    for col, value in over.items():
        df[col] = value
    path = tmp_path / name
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    return path


def test_history_start_for_an_extract_without_history(tmp_path, paths, bench_table):
    from analysis.data.synthetic import generate_referrals

    df = generate_referrals(seed=5, start="2016-04-01", end="2017-03-31",
                            referrals_per_year=200)
    path = tmp_path / "one_year.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    with pytest.raises(NoDataError, match="history-start"):
        prepare(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)
    prepared = prepare(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths,
                       history_start="2015-04-01")
    assert prepared.year == 2017
    with pytest.raises(ParameterError, match="after the first referral"):
        prepare(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths,
                history_start="2017-01-01")


def test_audit_list_is_private_and_outside_the_outputs(tmp_path, paths):
    path = _extract(tmp_path)
    prepared = prepare(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)
    target = write_audit_list(prepared, tmp_path / "private" / "audit.csv",
                              forbidden=[tmp_path / "outputs"])
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    lines = target.read_text().splitlines()
    assert lines[0].startswith("# PERSONAL DATA")
    assert lines[1].split(",")[:3] == ["child_id", "referral_id", "referral_date"]
    flagged = prepared.flagged
    in_year = rr_year(flagged, 2017)
    assert len(lines) - 2 == int(in_year["is_rereferral"].fillna(False).astype(bool).sum())
    with pytest.raises(ParameterError, match="among shared outputs"):
        write_audit_list(prepared, tmp_path / "outputs" / "doncaster" / "a.csv",
                         forbidden=[tmp_path / "outputs"])


def rr_year(flagged: pd.DataFrame, year: int) -> pd.DataFrame:
    from analysis.measures.rereferrals import select_year

    f = flagged.loc[~flagged["same_day_duplicate"]]
    return select_year(f, pd.Timestamp(year, 3, 31))


PAYLOAD_HTML = "<img src=x onerror=alert(1)><script>alert(1)</script>"
PAYLOAD_FORMULA = '=HYPERLINK("http://evil.example","click")'


def test_user_text_is_escaped_and_neutralised_end_to_end(tmp_path, paths, bench_table):
    import io
    import zipfile

    from analysis.data.synthetic import generate_referrals
    from analysis.render import output as render

    df = generate_referrals(seed=5, start="2015-03-01", end="2017-03-31",
                            referrals_per_year=400)
    df["locality"] = [PAYLOAD_HTML if i % 2 else PAYLOAD_FORMULA for i in range(len(df))]
    path = tmp_path / "payload_referrals.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    pack = dd.deep_dive_pack(build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, None,
                                             paths=paths))
    out = tmp_path / "pack"
    render.write(pack, out, formats=("files", "html"), workers=0)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    csv = (out / "tables" / "localities.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv and ',=HYPERLINK' not in csv
    with zipfile.ZipFile(io.BytesIO((out / "tables" / "tables.xlsx").read_bytes())) as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "<f>" not in xml and "'=HYPERLINK" in xml


def test_small_la_makes_a_report_with_every_section_drawn_or_explained(tmp_path, paths,
                                                                      bench_table):
    from analysis.core.blocks import Chart, Note
    from analysis.data.synthetic import generate_referrals

    df = generate_referrals(seed=3, start="2015-04-01", end="2018-03-31",
                            referrals_per_year=30)
    path = tmp_path / "small_la.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    dive = build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, None, paths=paths)
    pack = dd.deep_dive_pack(dive)
    for section in pack.sections[2:]:
        assert any(isinstance(b, Chart | Note) for b in section.blocks), section.title
    # the rate over time is never drawn with suppressed periods as gaps
    if "xmr" in dive.tables:
        assert dive.tables["xmr"]["value"].notna().all()
    else:
        assert any("not charted" in n.message for _, n in pack.notes())
    text = " ".join(b.markdown for _, b in pack.blocks() if hasattr(b, "markdown"))
    assert "0 month(s)" not in text and "above_99_8" not in text


@pytest.mark.e2e
def test_identifier_in_an_output_fails_the_run_and_leaves_no_pack(tmp_path, paths,
                                                                  bench_table):
    from analysis.app.runner import run_deep_dive

    path = _extract(tmp_path, "leaky_referrals.csv")
    df = pd.read_csv(path, dtype=str)
    df["locality"] = df["child_id"].iloc[0]  # a locality named with a child's id
    df.to_csv(path, index=False)
    with pytest.raises(AnalysisError, match="identifier"):
        run_deep_dive("Doncaster", path, None, paths, outputs_root=tmp_path / "out", pdf=False)
    assert not (tmp_path / "out" / "doncaster" / "rereferrals-latest").exists()
    assert not list((tmp_path / "out" / "doncaster").glob("*.tmp"))


def test_census_characteristics_give_age_band_ethnic_group_and_disability(tmp_path):
    def child(cid: str, birth: str, eth: str, dis: str) -> str:
        disab = f"<Disabilities><Disability>{dis}</Disability></Disabilities>" if dis else ""
        return (f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID><PersonBirthDate>"
                f"{birth}</PersonBirthDate><GenderCurrent>1</GenderCurrent></ChildIdentifiers>"
                f"<ChildCharacteristics><Ethnicity>{eth}</Ethnicity>{disab}"
                f"</ChildCharacteristics>{_detail('2016-06-01')}</Child>\n")
    children = (child("K1", "2016-01-01", "WBRI", "NONE")     # 0 on 1 June 2016
                + child("K2", "2011-06-01", "BAFR", "MOB")    # 5 that day
                + child("K3", "2000-06-02", "CHNE", "")       # 15 (16 the next day)
                + child("K4", "2016-07-01", "REFU", ""))      # unborn at referral
    path = _census(tmp_path / "c.xml", 2017, children=children)
    df = read_cin_xml(path).set_index("child_id")
    assert df["age_band"].to_dict() == {"K1": "Under 1", "K2": "5 to 9", "K3": "10 to 15",
                                        "K4": "Unborn or not recorded"}
    assert df["ethnicity_group"].to_dict() == {
        "K1": "White", "K2": "Black, African, Caribbean or Black British",
        "K3": "Asian or Asian British", "K4": "Refused or not obtained"}
    assert df["disability"].to_dict() == {"K1": "Not disabled", "K2": "Disabled",
                                          "K3": "Not recorded", "K4": "Not recorded"}
    assert not {"birth_date", "person_birth_date", "dob"} & set(df.columns)


def test_cli_refuses_an_audit_list_among_the_outputs(tmp_path):
    from typer.testing import CliRunner

    from analysis.app.cli import app

    path = _extract(tmp_path)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["deep-dive", "--la", "Doncaster", "--records", str(path),
                                      "--output", str(out), "--no-pdf", "--audit-list",
                                      str(out / "audit.csv")])
    assert result.exit_code != 0
    assert "among shared outputs" in result.output
    assert not (out / "audit.csv").exists() and not (out / "doncaster").exists()


@pytest.mark.e2e
def test_small_la_report_through_the_runner_with_an_audit_list(tmp_path, paths, bench_table):
    from analysis.app.runner import run_deep_dive
    from analysis.data.synthetic import generate_referrals

    df = generate_referrals(seed=3, start="2015-04-01", end="2018-03-31",
                            referrals_per_year=30)
    path = tmp_path / "small_la_referrals.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    audit = tmp_path / "private" / "audit.csv"
    result = run_deep_dive("Doncaster", path, None, paths, outputs_root=tmp_path / "out",
                           pdf=False, audit_list=audit)
    html = (result.output / "report.html").read_text(encoding="utf-8")
    assert "2017-18" in html and "too few referrals" in html.lower()
    assert stat.S_IMODE(audit.stat().st_mode) == 0o600
    ids = [i for i in df["child_id"] if isinstance(i, str)]
    assert not [i for i in ids if i in html]
    assert not list(result.output.rglob("audit*"))
