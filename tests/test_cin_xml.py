"""CIN census XML: safe streamed reading, outcome derivation, writer valid against the XSD."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import InputDataError, NoDataError
from analysis.data.readers.cin_xml import read_cin_census_years, read_cin_xml
from analysis.data.readers.cin_xml_schema import DEFAULT_XSD_DIR, census_year, validate_cin_xml
from analysis.data.readers.cin_xml_write import census_records, write_cin_xml
from analysis.data.schemas.referrals import validate_referrals
from analysis.data.synthetic import generate_referrals
from analysis.measures.rereferrals import annual_rate, flag_rereferrals

FIX = Path(__file__).parent / "fixtures" / "referrals"
SHARED_XSD = Path("/work/shared/reference-data/cin-census-xsd")
XSD = DEFAULT_XSD_DIR if (DEFAULT_XSD_DIR / "CIN_schema_2017.xsd").exists() else SHARED_XSD


def test_small_census_reads_into_tidy_table():
    df = read_cin_xml(FIX / "small_census_2019.xml", validate=True, xsd_dir=XSD)
    validate_referrals(df)
    assert df["child_id"].tolist() == ["T001", "T001", "T002", "T002"]
    assert df["referral_id"].tolist()[0] == "T001/2018-05-01/1"
    assert df["referral_source"].tolist() == ["Police", "Schools", "Health: GP", "Other"]
    # outcomes by the documented precedence: NFA; assessed + RC8; CP plan; no authorisation
    assert df["assessment_outcome"].tolist()[:3] == ["no_assessment", "not_in_need", "cp_plan"]
    assert pd.isna(df["assessment_outcome"].iloc[3])
    assert df["referral_nfa"].tolist() == [True, False, False, False]
    assert df["assessment_factors"].tolist()[1:3] == ["3A;4B", "16A"]
    # the census has no locality or early help
    assert df["locality"].isna().all() and df["prior_early_help"].isna().all()
    assert census_year(FIX / "small_census_2019.xml") == 2019


@pytest.mark.parametrize("name", ["with_dtd.xml", "external_entity.xml"])
def test_dtd_and_entities_are_refused(name):
    with pytest.raises(InputDataError, match="refused for safety"):
        read_cin_xml(FIX / name)


def test_malformed_xml(tmp_path):
    with pytest.raises(InputDataError, match="malformed"):
        read_cin_xml(FIX / "malformed.xml")
    empty = tmp_path / "empty.xml"
    empty.write_text("")
    with pytest.raises(InputDataError, match="empty"):
        read_cin_xml(empty)
    other = tmp_path / "other.xml"
    other.write_text("<Root><Child/></Root>")
    with pytest.raises(InputDataError, match="not a CIN census"):
        read_cin_xml(other)


def test_child_without_id_is_an_error(tmp_path):
    p = tmp_path / "noid.xml"
    p.write_text("<Message><Children><Child><ChildIdentifiers/>"
                 "<CINdetails><CINreferralDate>2018-01-01</CINreferralDate>"
                 "<ReferralNFA>false</ReferralNFA></CINdetails></Child></Children></Message>")
    with pytest.raises(InputDataError, match="no LAchildID"):
        read_cin_xml(p)


def test_invalid_against_schema(tmp_path):
    p = tmp_path / "bad.xml"
    text = (FIX / "small_census_2019.xml").read_text().replace(
        "<ReferralSource>6</ReferralSource>", "<ReferralSource>99</ReferralSource>")
    p.write_text(text)
    with pytest.raises(InputDataError, match="not valid against the 2019"):
        validate_cin_xml(p, xsd_dir=XSD)


@pytest.fixture(scope="module")
def synth() -> pd.DataFrame:
    return generate_referrals(seed=7, start="2016-04-01", end="2018-03-31",
                              referrals_per_year=400)


@pytest.mark.parametrize("year", [2017, 2018, 2022, 2023])
def test_round_trip_write_validate_read(tmp_path, synth, year):
    if year >= 2022:  # move the data on so these years have referrals in them
        recs = synth.assign(referral_date=synth["referral_date"] + pd.DateOffset(years=5),
                            closure_date=synth["closure_date"] + pd.DateOffset(years=5))
    else:
        recs = synth
    path = write_cin_xml(recs, tmp_path / f"synthetic_cin_census_{year}.xml", year,
                         xsd_dir=XSD)
    validate_cin_xml(path, xsd_dir=XSD)  # raises if not valid
    back = read_cin_xml(path)
    expected = census_records(recs, year)
    assert len(back) == len(expected)
    m = back.merge(expected, on=["child_id", "referral_date"], suffixes=("", "_in"))
    assert len(m) == len(expected)
    assert (m["referral_source"] == m["referral_source_in"]).all()
    assert (m["referral_nfa"] == m["referral_nfa_in"]).all()
    # referrals made and closed inside the year keep their outcome (early help reads
    # back as not in need before 2023, when RC9 did not exist)
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    inside = m["referral_date"].ge(start) & m["closure_date_in"].le(end)
    want = m.loc[inside, "assessment_outcome_in"]
    if year < 2023:
        want = want.replace("early_help", "not_in_need")
    got = m.loc[inside, "assessment_outcome"]
    assert (got.fillna("NA") == want.fillna("NA")).all()


def test_reading_several_years_keeps_one_copy_of_each_referral(tmp_path, synth):
    paths = [write_cin_xml(synth, tmp_path / f"synthetic_cin_census_{y}.xml", y, xsd_dir=XSD)
             for y in (2017, 2018)]
    both = read_cin_census_years(paths)
    assert both["referral_id"].is_unique
    assert len(both) == len(synth)
    # and the re-referral rate from the XML equals the rate from the records
    a = annual_rate(flag_rereferrals(both)).set_index("year")
    b = annual_rate(flag_rereferrals(synth)).set_index("year")
    assert a.loc["2017-18", "rereferrals"] == b.loc["2017-18", "rereferrals"]


def test_code_not_allowed_that_year_is_refused(tmp_path, synth):
    recs = synth.copy()
    recs.loc[recs.index[0], "referral_source"] = "LA services: early help"  # 5D from 2023
    with pytest.raises(InputDataError, match="not allowed in the 2017"):
        write_cin_xml(recs, tmp_path / "x.xml", 2017, xsd_dir=XSD)


def test_year_with_no_referrals(tmp_path, synth):
    with pytest.raises(NoDataError):
        write_cin_xml(synth, tmp_path / "x.xml", 2010, xsd_dir=XSD)
