from __future__ import annotations

import pytest

from analysis.core.errors import NoDataError, ParameterError
from analysis.data.geography import (
    load_areas,
    neighbours_of,
    reorganisation_note,
    resolve_la,
    slugify,
)


@pytest.mark.parametrize("query", ["Doncaster", "doncaster", " DONCASTER ", "371", 371, "E08000017", "e08000017"])
def test_resolve_doncaster_every_way(query):
    la = resolve_la(query)
    assert (la.name, la.old_code, la.new_code, la.region_name) == (
        "Doncaster", "371", "E08000017", "Yorkshire and The Humber")


def test_former_ons_code_resolves():
    # Barnsley's ONS code changed from E08000016 to E08000038 in 2019.
    assert resolve_la("E08000016").name == "Barnsley"


def test_unknown_la_suggests_closest():
    with pytest.raises(ParameterError) as err:
        resolve_la("Doncastre")
    assert "'Doncaster'" in str(err.value) and "parameter 'la'" in str(err.value)


def test_unknown_code():
    with pytest.raises(ParameterError, match="unknown local authority '999'"):
        resolve_la("999")


def test_153_current_las_and_london_region():
    areas = load_areas()
    assert (areas.status == "live").sum() == 153
    assert resolve_la("Camden").region_name == "London"


def test_reorganisation_notes():
    cumberland = resolve_la("Cumberland")
    assert cumberland.first_year == 2024
    assert "first reports for the year ending March 2024" in reorganisation_note(cumberland, 2017)
    assert reorganisation_note(cumberland, 2024) is None
    cumbria = resolve_la("Cumbria")
    assert "abolished" in reorganisation_note(cumbria, 2025)


def test_neighbour_lists_by_version():
    don = resolve_la("Doncaster")
    v21 = neighbours_of(don, "2021")
    assert v21["neighbour_old_code"].tolist()[:3] == ["372", "370", "812"]
    assert len(v21) == 10
    assert len(neighbours_of(don, "2025")) == 10
    with pytest.raises(ParameterError, match="unknown statistical neighbour list"):
        neighbours_of(don, "2019")


def test_la_without_neighbours_in_a_version():
    with pytest.raises(NoDataError):
        neighbours_of(resolve_la("Cumberland"), "2021")


def test_slugify():
    assert slugify("Bristol, City of") == "bristol-city-of"
    assert slugify("../etc/passwd") == "etc-passwd"
