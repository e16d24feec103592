"""The interactive explorer's charts as Vega-Lite specs (analysis.explorer.specs, spec_style, chart_view).

Figures: DfE's re-referrals for 2016-17 (CIN census table C1). Doncaster 27.1% (1,429 of
5,275), ranked 142 of 152 (quartile band D); England 21.9%, Yorkshire and The Humber 21.5%,
the mean of Doncaster's 10 statistical neighbours 20.1% (201.2 / 10: 26.1, 18.8, 9.0, 22.9,
26.8, 14.6, 19.6, 15.0, 26.6 and 21.8). The 95% limits around England's 21.9% for a
denominator of 5,275: 21.9 ± 1.96 × √(21.9 × 78.1 / 5,275) = 20.8% to 23.0%.

No JSON schema of Vega-Lite is installed (none ships with the toolkit's packages), so the
specs are checked against the parts of Vega-Lite 5 they use (:func:`check_vega_lite`); the
browser test (tests/test_explorer_browser.py) draws them with the Vega-Lite that JupyterLab
and Voilà ship and fails on any warning it logs.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from analysis.charts.statistics import indicator_funnel_chart
from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.chart_view import CHARTS, chart_inputs, view_chart, view_charts
from analysis.explorer.spec_style import MIME, SCHEMA

# --- a check of the Vega-Lite the specs use --------------------------------------------------

MARKS = {"area", "bar", "line", "point", "rect", "rule", "text"}
CHANNELS = {"x", "x2", "y", "y2", "color", "fill", "stroke", "strokeDash", "strokeWidth", "size",
            "shape", "text", "tooltip", "detail", "opacity"}
TYPES = {"quantitative", "nominal", "ordinal"}
TOP_KEYS = {"$schema", "description", "title", "vconcat", "resolve", "config", "usermeta", "datasets"}
VIEW_KEYS = {"width", "height", "data", "layer", "mark", "encoding", "transform"}
TRANSFORMS = {"filter", "calculate", "fold"}


def _fields_of(rows: list[dict[str, Any]]) -> set[str]:
    return {k for row in rows for k in row}


def _check_encoding(encoding: dict[str, Any], fields: set[str], where: str) -> None:
    for channel, definition in encoding.items():
        assert channel in CHANNELS, f"{where}: unknown channel {channel}"
        for d in definition if isinstance(definition, list) else [definition]:
            assert isinstance(d, dict), f"{where}: {channel}"
            assert set(d) & {"field", "value", "datum", "condition"}, f"{where}: {channel} encodes nothing"
            if "field" in d:
                assert d["field"] in fields, f"{where}: {channel} field {d['field']} not in the data"
                if channel not in ("x2", "y2", "tooltip", "text"):
                    assert d.get("type") in TYPES, f"{where}: {channel} type {d.get('type')}"
            if "condition" in d:
                assert "test" in d["condition"] and "value" in d["condition"]


def _check_view(view: dict[str, Any], fields: set[str], datasets: dict[str, Any], where: str) -> None:
    assert set(view) <= VIEW_KEYS, f"{where}: unknown keys {set(view) - VIEW_KEYS}"
    if "data" in view:
        data = view["data"]
        if "name" in data:
            assert data["name"] in datasets, f"{where}: no dataset {data['name']}"
            fields = _fields_of(datasets[data["name"]])
        else:
            assert isinstance(data["values"], list) and data["values"], f"{where}: no rows"
            fields = _fields_of(data["values"])
    fields = set(fields)
    for transform in view.get("transform", []):
        (kind,) = set(transform) - {"as"}
        assert kind in TRANSFORMS, f"{where}: transform {kind}"
        if kind == "calculate":
            fields.add(transform["as"])
        if kind == "fold":
            assert set(transform["fold"]) <= fields
            fields |= set(transform["as"])
    if "layer" in view:
        assert "mark" not in view
        for i, layer in enumerate(view["layer"]):
            _check_view(layer, fields, datasets, f"{where}.layer[{i}]")
        return
    mark = view["mark"]
    assert (mark if isinstance(mark, str) else mark["type"]) in MARKS, f"{where}: mark {mark}"
    _check_encoding(view.get("encoding", {}), fields, where)


def check_vega_lite(spec: dict[str, Any]) -> None:
    """The spec is plain JSON (no NaN) in the shape of Vega-Lite 5 as the explorer writes it:
    a title and subtitle over a chart and its source line, every field encoded in its data."""
    assert json.loads(json.dumps(spec, allow_nan=False)) == spec
    assert set(spec) <= TOP_KEYS, set(spec) - TOP_KEYS
    assert spec["$schema"] == SCHEMA
    assert spec["title"]["text"] and spec["title"]["subtitle"]
    datasets = spec.get("datasets", {})
    main, source = spec["vconcat"]
    _check_view(main, set(), datasets, "chart")
    _check_view(source, set(), datasets, "source")
    assert source["mark"]["type"] == "text" and source["mark"]["text"][0].startswith("Source: ")


def texts(spec: dict[str, Any]) -> str:
    """Every piece of text the chart writes, as one string."""
    found: list[str] = []

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in ("text", "subtitle", "description", "line", "label",
                                              "title", "name", "band", "rank"):
            found.append(node)

    walk({k: v for k, v in spec.items() if k not in ("usermeta", "$schema")})
    return " ".join(found)


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def _view(data, **kwargs):
    return explorer.explorer_view(data, explorer.ExplorerSelection(**{"year": 2017, **kwargs}))


@pytest.fixture(scope="module")
def doncaster(data):
    return {c.key: c for c in view_charts(_view(data))}


def _main(chart):
    return chart.spec["vconcat"][0]


def _layer_rows(chart, mark: str) -> list[dict[str, Any]]:
    """The rows of the chart's layers drawing ``mark`` (their own data, else the chart's)."""
    main = _main(chart)
    rows: list[dict[str, Any]] = []
    for layer in main["layer"]:
        kind = layer["mark"] if isinstance(layer["mark"], str) else layer["mark"]["type"]
        if kind == mark:
            data = layer.get("data", main.get("data"))
            rows += chart.spec["datasets"][data["name"]] if "name" in data else data["values"]
    return rows


# --- the four charts ------------------------------------------------------------------------

def test_every_chart_is_vega_lite_with_title_source_and_alt_text(doncaster):
    assert [c.key for c in doncaster.values()] == [k for k, _ in CHARTS]
    for chart in doncaster.values():
        assert chart.spec is not None, chart.note
        check_vega_lite(chart.spec)
        assert chart.spec["description"] == chart.alt and chart.alt.endswith(".")
        assert "Open Government Licence" in texts(chart.spec)
        options = chart.spec["usermeta"]["embedOptions"]
        assert options["downloadFileName"] == f"doncaster_re_referrals_2016-17_{chart.key}"
        assert options["actions"] == {"export": True, "source": False, "compiled": False, "editor": False}
        assert len(json.dumps(chart.spec)) < 60_000  # small: sent on every change


def test_no_internal_codes_or_paths_in_the_words(doncaster):
    for chart in doncaster.values():
        words = texts(chart.spec)
        for code in ("re_referrals", "371", "E08000017", ".parquet", ".csv", "data/", "config/"):
            assert code not in words, (chart.key, code)


def test_group_chart_doncaster_among_its_neighbours(doncaster):
    chart = doncaster["group"]
    bars = _main(chart)["data"]["values"]
    assert len(bars) == 11
    assert [b["name"] for b in bars][:2] == ["North East Lincolnshire", "Tameside"]  # 9.0, 14.6: best first
    assert bars[-1] == {"name": "Doncaster", "value": 27.1, "bar": 27.1, "label": "27.1% (1,429)",
                        "is_la": True}
    assert [b["name"] for b in bars if b["is_la"]] == ["Doncaster"]
    rules = _layer_rows(chart, "rule")
    assert [r["line"] for r in rules] == ["England 21.9%", "Neighbour mean 20.1%"]
    assert rules[0]["x"] == 21.9 and rules[1]["x"] == pytest.approx(201.2 / 10)
    subtitle = " ".join(chart.spec["title"]["subtitle"])
    assert subtitle == ("Doncaster and its statistical neighbours, 2016-17, sorted best to worst. "
                        "Lower is better. Numbers in brackets are counts.")
    assert chart.spec["title"]["text"] == ["Re-referrals within 12 months"]
    assert "Doncaster is 27.1%, 11 of 11 with a figure" in chart.alt
    assert "Reference lines: England 21.9%, neighbour mean 20.1%." in chart.alt


def test_group_chart_for_a_region_says_group_not_neighbours(data):
    chart = view_chart(_view(data, comparator="region"), "group")
    assert "Doncaster and LAs in Yorkshire and The Humber, 2016-17" in " ".join(chart.spec["title"]["subtitle"])
    assert [r["line"] for r in _layer_rows(chart, "rule")] == ["England 21.9%", "Group mean 20.1%"]
    assert "statistical neighbours" not in chart.alt and "group mean 20.1%" in chart.alt


def test_trend_chart_has_every_line_and_its_latest_figure(doncaster):
    chart = doncaster["trend"]
    rows = _main(chart)["data"]["values"]
    in_2016_17 = {r["line"]: r["value"] for r in rows if r["period"] == "2016-17"}
    assert in_2016_17 == {"Doncaster": 27.1, "England": 21.9, "Yorkshire and The Humber": 21.5,
                          "Neighbour mean": pytest.approx(20.1, abs=0.05)}
    ends = [r["text"] for r in _layer_rows(chart, "text")]
    assert "Doncaster 29.4%" in ends and len(ends) == 4  # 2024-25, the latest year
    periods = {r["period"] for r in rows}
    assert {"2012-13", "2024-25"} <= periods
    assert " ".join(chart.spec["title"]["subtitle"]) == (
        "Doncaster with England, region and statistical neighbours. Lower is better.")
    assert "Doncaster went from 23.7% in 2012-13 to 29.4% in 2024-25" in chart.alt


def test_trend_chart_breaks_its_line_where_a_year_has_no_figure(data):
    # The unitary Dorset reports from 2019-20: its line starts there, the other lines earlier.
    chart = view_chart(_view(data, la="Dorset", year=None), "trend")
    rows = _main(chart)["data"]["values"]
    dorset = [r for r in rows if r["line"] == "Dorset"]
    assert dorset[0]["value"] is None and dorset[-1]["value"] is not None
    assert "Gaps are years without a figure." in " ".join(chart.spec["title"]["subtitle"])


def test_all_las_chart_marks_doncaster_142_of_152(doncaster):
    chart = doncaster["all_las"]
    bars = _main(chart)["data"]["values"]
    assert len(bars) == 152
    mine = [b for b in bars if b["is_la"]]
    assert mine == [{"i": 141, "name": "Doncaster", "value": 27.1, "label": "27.1%", "is_la": True,
                     "band": "D", "rank": "rank 142 of 152"}]
    assert [b["value"] for b in bars] == sorted(b["value"] for b in bars)  # lower is better: best first
    marked = [r["text"] for r in _layer_rows(chart, "text") if "Doncaster" in r.get("text", "")]
    assert marked == ["Doncaster 27.1%, rank 142 of 152"]
    letters = [r["band"] for r in _layer_rows(chart, "rect")]
    assert letters == ["A", "B", "C", "D"]  # written on the chart, not told by shade alone
    assert [r["text"] for r in _layer_rows(chart, "text") if r.get("text", "").startswith("England")] == [
        "England 21.9%"]
    assert "Doncaster is 27.1%, ranked 142 of 152, quartile band D. England is 21.9%." in chart.alt


def test_funnel_chart_limits_and_doncaster_above_them(doncaster, data):
    chart = doncaster["funnel"]
    limits = chart.spec["datasets"]["limits"]
    assert all(r["centre"] == 21.9 for r in limits)
    # 95% limits around 21.9% for 5,275: 21.9 ± 1.96 × √(21.9 × 78.1 / 5,275) = 20.8 to 23.0
    near = min(limits, key=lambda r: abs(r["d"] - 5275))
    assert abs(near["d"] - 5275) < 150
    half = 1.96 * math.sqrt(21.9 * 78.1 / near["d"])
    assert near["lower_95"] == pytest.approx(21.9 - half, abs=0.1)
    assert near["upper_95"] == pytest.approx(21.9 + half, abs=0.1)
    assert near["lower_998"] < near["lower_95"] and near["upper_998"] > near["upper_95"]
    # every limit drawn is one analysis.engine.funnel_limits.funnel_limits gives
    from analysis.engine.funnel_limits import funnel_limits

    check = funnel_limits(21.9, [r["d"] for r in limits[1:6]], kind="proportion")
    assert [r["upper_99_8"] for r in check.to_dict("records")] == pytest.approx(
        [r["upper_998"] for r in limits[1:6]], abs=0.001)
    points = _layer_rows(chart, "point")
    doncaster_point = [p for p in points if p["is_la"]]
    assert doncaster_point[0] == {"name": "Doncaster", "d": 5275.0, "value": 27.1, "label": "27.1%",
                                      "size": "5,275", "is_la": True, "outside": "Outside 99.8%"}
    assert len([p for p in points if not p["is_la"]]) == 150  # 151 LAs plotted, Doncaster apart
    assert chart.spec["title"]["text"] == ["Re-referrals within 12 months, 2016-17: every LA against its size"]
    assert "Doncaster: 27.1% from 5,275, above the 99.8% limit." in chart.alt
    assert "Denominator (the number the percentage is of)" in texts(chart.spec)


def test_the_browser_charts_say_what_the_pack_charts_say(doncaster, data):
    """Same alt text as the matplotlib charts the static explorer report draws."""
    from analysis.charts.benchmark import (
        all_las_ranked_chart,
        neighbours_ranked_chart,
    )
    from analysis.charts.trends import annual_trend_chart

    view = _view(data)
    ind = view.indicator
    assert doncaster["group"].alt == neighbours_ranked_chart(
        view.group.members, ind, name="g", source=view.source, england=21.9, sn_mean=view.group.mean,
        period="2016-17").alt_text
    assert doncaster["trend"].alt == annual_trend_chart(view.judged, ind, name="t", source=view.source).alt_text
    assert doncaster["all_las"].alt == all_las_ranked_chart(
        view.all_values, ind, "371", name="a", source=view.source, england=21.9, period="2016-17").alt_text
    assert doncaster["funnel"].alt == indicator_funnel_chart(view.funnel, ind, "2016-17", view.la, name="f",
                                                            source=view.source).alt_text


# --- what cannot be charted -------------------------------------------------------------------

@pytest.mark.parametrize("names", [(), ("Doncaster",)])
def test_a_list_of_one_la_gets_a_message_not_an_empty_chart(data, names):
    chart = view_chart(_view(data, comparator="list", group=names), "group")
    assert chart.spec is None and chart.note == "No comparator group to chart."


def test_no_ranking_or_funnel_where_they_do_not_apply(data):
    view = _view(data, indicator="Children looked after per 10,000 children")
    assert view_chart(view, "all_las").note == "No ranking: this indicator has no better or worse direction."
    view = _view(data, la="Doncastr")
    assert {c.note for c in view_charts(view)} == {"Nothing to chart for this selection."}


def test_every_chart_of_other_selections_is_vega_lite(data):
    for selection in ({"la": "Rotherham", "comparator": "list", "group": ("Barnsley", "York", "Leeds")},
                      {"la": "Leeds", "indicator": "Children looked after per 10,000 children", "year": 2018},
                      {"la": "Isles of Scilly"}, {"la": "Westminster", "comparator": "sn2025", "year": None},
                      {"la": "York", "indicator": "Children looked after with an up-to-date dental check",
                       "year": 2018}):
        for chart in view_charts(_view(data, **selection)):
            if chart.spec is not None:
                check_vega_lite(chart.spec)
                assert chart.spec["description"] == chart.alt


def test_a_kept_chart_is_reused_only_for_the_same_inputs(data):
    first = _view(data)
    assert chart_inputs(first, "trend") == chart_inputs(_view(data, level=0.998), "trend")
    for other in (_view(data, year=2018), _view(data, la="Rotherham"), _view(data, comparator="sn2025")):
        assert chart_inputs(first, "trend") != chart_inputs(other, "trend")
    listed = _view(data, comparator="list", group=("Barnsley", "Rotherham"))
    assert chart_inputs(first, "group") != chart_inputs(listed, "group")
    assert chart_inputs(first, "funnel") == chart_inputs(listed, "funnel")


def test_the_specs_are_for_the_renderer_jupyter_ships():
    assert MIME == "application/vnd.vegalite.v5+json"
    assert SCHEMA.endswith("/vega-lite/v5.json")
