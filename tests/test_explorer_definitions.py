"""What an indicator is, beside its figures (analysis.explorer.definitions): every catalogue
indicator has a definition in the reader's words, and the page shows it with the source."""

from __future__ import annotations

import re

import pytest

from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.definitions import about_html, about_rows, reader_text
from analysis.explorer.widgets import ExplorerApp

_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def test_every_catalogue_indicator_has_a_definition_in_words(catalogue):
    assert len(catalogue.indicators) >= 35
    for ind in catalogue.indicators.values():
        text = ind.definition.strip()
        assert len(text.split()) >= 5 and text.endswith("."), ind.id
        assert text[0].isupper(), ind.id
        for head, line in about_rows(ind, catalogue, "Source: DfE, a release. Open Government Licence v3.0."):
            assert not _KEY.search(line), (ind.id, head, line)  # no catalogue key shown


def test_a_caveat_names_another_indicator_by_its_label(catalogue):
    ind = catalogue.get("referral_rate")
    assert reader_text(ind.notes, catalogue).endswith(
        "see Referrals per 10,000 children (rebased population).")
    assert reader_text("a_word_that_is_no_key stays", catalogue) == "a_word_that_is_no_key stays"


def test_the_box_says_what_the_indicator_is_and_where_it_comes_from(catalogue):
    ind = catalogue.get("re_referrals")
    rows = dict(about_rows(ind, catalogue, "Source: DfE, Children in need. Open Government Licence v3.0."))
    assert rows == {"Definition": ind.definition, "Unit": "Per cent.", "Direction": "Lower is better.",
                    "Source": "DfE, Children in need. Open Government Licence v3.0."}
    rate = dict(about_rows(catalogue.get("referral_rate"), catalogue, ""))
    assert rate["Direction"].startswith("Neither higher nor lower is better") and "Source" not in rate
    shown = about_html(catalogue.get("cla_3_plus_placements"), catalogue, "<b>")
    assert "&lt;b&gt;" in shown and 'aria-label="About this indicator"' in shown


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def test_the_page_shows_the_definition_and_source_of_the_indicator_shown(data):
    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    assert data.catalogue.get("re_referrals").definition in app.about.value
    assert "figures for 2016-17, first published about November 2017" in app.about.value
    app.year.value = 2018  # dental checks start with 2017-18
    app.indicator.value = "Children looked after with an up-to-date dental check"
    assert data.catalogue.get("cla_dental_checks").definition in app.about.value
