"""Finding an LA and an indicator as a person types them: one resolver for the CLI, run files
and the explorer (analysis.data.la_names, analysis.data.indicator_names)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.app.cli import app
from analysis.core.config import load_geography_settings
from analysis.core.errors import ParameterError
from analysis.data.geography import (
    find_las,
    las_of,
    load_areas,
    reorganisation_note,
    resolve_la,
    slugify,
)
from analysis.data.indicator_names import search_indicators
from analysis.data.la_names import name_words, search_las

AREAS = load_areas()
EVERY_LA = las_of(AREAS)


@pytest.mark.parametrize("la", EVERY_LA, ids=lambda la: f"{la.old_code}-{la.status}")
def test_every_la_resolves_to_itself_by_name_and_codes(la):
    assert resolve_la(la.new_code, AREAS).old_code == la.old_code
    assert resolve_la(la.old_code, AREAS).old_code == la.old_code
    assert resolve_la(la.name.upper(), AREAS).old_code == la.old_code or (
        # Dorset the former county shares its name with Dorset the unitary: the name is the current one
        la.status == "terminated" and resolve_la(la.name, AREAS).name == la.name)
    assert resolve_la(slugify(la.name).replace("-", " "), AREAS).name == la.name  # as run matrices name it


@pytest.mark.parametrize(("typed", "ons_code"), [
    # the official names that the short forms came from, and the short forms
    ("Hull", "E06000010"), ("Kingston upon Hull", "E06000010"), ("kingston-upon-hull", "E06000010"),
    ("Kingston upon Hull, City of", "E06000010"), ("City of Kingston upon Hull", "E06000010"),
    ("Bristol", "E06000023"), ("City of Bristol", "E06000023"),
    ("Southend", "E06000033"), ("Southend on Sea", "E06000033"),
    ("Herefordshire", "E06000019"), ("Brighton", "E06000043"), ("Brighton & Hove", "E06000043"),
    ("Durham", "E06000047"), ("Telford", "E06000020"), ("BCP", "E06000058"), ("bcp", "E06000058"),
    ("St Helens", "E08000013"), ("Saint Helens", "E08000013"), ("Newcastle", "E08000021"),
    ("Westmorland & Furness", "E06000064"), ("Doncaster Council", "E08000017"),
    ("Royal Borough of Kingston upon Thames", "E09000021"), ("Dorset", "E06000059"),
    ("E08000016", "E08000038"),  # Barnsley's former ONS code
])
def test_the_short_and_long_forms_people_type(typed, ons_code):
    assert resolve_la(typed, AREAS).new_code == ons_code


def test_every_short_name_resolves_to_its_la_and_is_no_other_las_name(paths):
    shorts = load_geography_settings(paths.config).short_names
    names = {name_words(n) for n in AREAS["name"]}
    assert len(shorts) >= 40
    for short, code in shorts.items():
        assert resolve_la(short, AREAS).new_code == code, short
        la = AREAS[AREAS["new_code"] == code].iloc[0]
        assert name_words(short) == name_words(str(la["name"])) or name_words(short) not in names, short


def test_hull_is_not_solihull_hounslow_or_hillingdon():
    found = search_las("Hull", AREAS)
    assert found.resolved and found.codes[0] == "810"
    assert [AREAS.set_index("old_code").loc[c, "name"] for c in found.codes[1:]] == ["Solihull"]


def test_several_matches_are_a_ranked_list():
    la, choices, why = find_las("Kingston", AREAS)
    assert la is None
    assert [c.new_code for c in choices] == ["E06000010", "E09000021"]
    assert why == ("2 local authorities match 'Kingston': Kingston upon Hull, City of (E06000010), "
                   "Kingston upon Thames (E09000021); choose one.")
    with pytest.raises(ParameterError, match="matches several local authorities") as err:
        resolve_la("Kingston", AREAS)
    assert "Kingston upon Thames (E09000021)" in str(err.value)
    # whole names first, then starts of names, then parts of words
    assert [c.name for c in find_las("North", AREAS)[1]][:2] == ["North East Lincolnshire", "North Lincolnshire"]


def test_nothing_matches_names_the_nearest():
    la, choices, why = find_las("Doncster", AREAS)
    assert (la, choices) == (None, [])
    assert why == "No local authority matches 'Doncster'; did you mean 'Doncaster' or 'Manchester'?"
    assert find_las("Atlantis", AREAS)[2] == "No local authority matches 'Atlantis'."
    assert find_las("999", AREAS)[2] == "No local authority matches '999'."


def test_abolished_las_name_their_successors():
    cumbria = resolve_la("Cumbria", AREAS)
    assert (cumbria.last_year, cumbria.replaced_by) == (2023, ("Cumberland", "Westmorland and Furness"))
    assert reorganisation_note(cumbria, 2025) == (
        "Cumbria was abolished by local government reorganisation; its last year is the year "
        "ending March 2023, and it was replaced by Cumberland and by Westmorland and Furness")
    # Poole went wholly to BCP; Dorset county's Christchurch to BCP and the rest to Dorset
    assert resolve_la("Poole", AREAS).replaced_by == ("Bournemouth, Christchurch and Poole",)
    assert resolve_la("835", AREAS).replaced_by == ("Dorset", "Bournemouth, Christchurch and Poole")
    assert resolve_la("Northants", AREAS).replaced_by == ("North Northamptonshire", "West Northamptonshire")
    assert resolve_la("Doncaster", AREAS).replaced_by == ()


def _ids(query, catalogue):
    ind, choices = search_indicators(query, catalogue.benchmarked())
    return ind.id if ind else [c.id for c in choices]


def test_indicators_by_any_word(catalogue):
    assert _ids("care leavers", catalogue) == ["care_leavers_eet", "care_leavers_suitable_accommodation",
                                               "care_leavers_neet", "care_leavers_not_in_touch"]
    assert _ids("dental", catalogue) == "cla_dental_checks"
    assert _ids("Care leaver accommodation", catalogue) == "care_leavers_suitable_accommodation"
    assert _ids("re-referral", catalogue) == "re_referrals"
    assert _ids("caseload", catalogue) == "sw_caseload"  # a word of the label
    assert _ids("caution", catalogue) == "yj_first_time_entrants"  # a word of the definition only
    assert _ids("continuous assessment", catalogue) == ["assessments_45_days", "cla_health_checks"]
    assert _ids("social worker", catalogue) == ["sw_turnover", "sw_agency_rate", "sw_vacancy_rate", "sw_caseload"]
    assert _ids("nothing like it", catalogue) == []


runner = CliRunner()


@pytest.mark.usefixtures("bench_table")
@pytest.mark.parametrize("typed", ["Hull", "Kingston upon Hull", "E06000010", "810"])
def test_cli_takes_hull(typed):
    # Kingston upon Hull, re-referrals 2016-17 (DfE CIN table C1, 2017 row for LA 810):
    # 907 re-referrals of 4,725 referrals, 19.2%
    result = runner.invoke(app, ["benchmark", "--la", typed, "--year", "2016-17",
                                 "--indicator", "re_referrals", "--format", "csv"])
    assert result.exit_code == 0, result.output
    row = pd.read_csv(io.StringIO(result.stdout)).iloc[0]
    assert (row["la_code"], row["value"], row["numerator"], row["denominator"]) == ("E06000010", 19.2, 907, 4725)


@pytest.mark.usefixtures("bench_table")
def test_cli_lists_the_choices():
    result = runner.invoke(app, ["benchmark", "--la", "Kingston", "--year", "2017"])
    assert result.exit_code == 2
    assert "Kingston upon Hull, City of (E06000010), Kingston upon Thames (E09000021)" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) <= 2


@pytest.mark.usefixtures("bench_table")
@pytest.mark.parametrize(("typed", "ons_code"), [("Bristol", "E06000023"), ("BCP", "E06000058"),
                                                  ("Kingston upon Hull", "E06000010")])
def test_cli_takes_the_issues_names(typed, ons_code):
    result = runner.invoke(app, ["benchmark", "--la", typed, "--year", "2021-22",
                                 "--indicator", "re_referrals", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert pd.read_csv(io.StringIO(result.stdout)).iloc[0]["la_code"] == ons_code
