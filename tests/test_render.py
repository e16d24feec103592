"""Renderers (analysis.render): one hand-made pack with a block of each type, in every format.

The pack carries a hostile cell (an HTML/script payload and a spreadsheet formula): no output
may run it. Browser tests (PDF, axe-core) need Chromium; they skip without it, except when
CSC_REQUIRE_BROWSER is set (as in CI), where they fail instead.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import typing
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from analysis.charts.style import new_figure
from analysis.core import blocks
from analysis.core.blocks import Chart, Column, Note, Pack, Section, Table, Text
from analysis.core.errors import AnalysisError, ParameterError
from analysis.render import files, formats, terminal
from analysis.render import output as render
from analysis.render.formats import format_cell
from analysis.render.pdf import find_chromium
from tests.conftest import require_chromium

PAYLOAD = "<img src=x onerror=alert(1)><script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://x","y")'
ALT = "Re-referrals rose each year, from 24.0% in 2014 to 27.1% in 2017."


def rising_line(values: list[float], ax=None):
    """A module-level plot function (so a Chart holding it pickles)."""
    ax = ax or new_figure().add_subplot()
    ax.plot(range(2014, 2014 + len(values)), values)
    ax.set_title("Re-referrals, Doncaster")
    return ax


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "measure": ["Re-referrals within 12 months", PAYLOAD, FORMULA],
        "value": [27.1, 0.04, float("nan")],
        "value_status": ["published", "published", "c"],
        "children": [2646.0, 12.0, float("nan")],
        "status": ["outside_tolerance", "on_target", pd.NA],
        "direction": ["worsened", "improved", "no comparison"],
        "code": ["E1", "E2", "E3"],
    })


COLUMNS = (Column("measure", "Measure"),
           Column("value", "Value", "percent", 2),
           Column("children", "Children", "count"),
           Column("status", "Status", "status"),
           Column("direction", "Since last year", "direction"),
           Column("code", "Code", display=False))


@pytest.fixture
def pack() -> Pack:
    table = Table("profile", _frame(), COLUMNS, caption="Every measure at a glance",
                  source="Source: DfE, Children in need 2016-17")
    chart = Chart("re_referrals_trend", rising_line, {"values": [24.0, 25.5, 26.0, 27.1]},
                  alt_text=ALT, source="Source: DfE, Children in need", title="Re-referrals")
    core = Section("at_a_glance", "At a glance", (
        Text(f"Doncaster **improved** on 2 measures. {PAYLOAD}"),
        table, chart, Note("missing", "No SPC chart: fewer than 8 quarters.", indicator="E1",
                                     indicator_name="Re-referrals within 12 months (E1)")))
    appendix = Section("detail", "Detail", (Note("caveat", "Statuses are as reported."),),
                       intro="The detail behind the pack.", appendix=True)
    return Pack("Doncaster: children's social care performance, 2017-18 Q4",
                {"la": "Doncaster", "period": "2017-18 Q4", "made": "2 December 2026",
                 "sources": "DfE Children in need 2016-17 (published November 2017)"},
                (core, appendix))


def test_the_fixture_has_every_block_type(pack):
    kinds = {type(b) for _, b in pack.blocks()}
    assert kinds == set(typing.get_args(blocks.Block))


# --- format_cell ---------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "column", "reason", "expected"), [
    (14.285714, Column("v", "V", "percent", 1), None, "14.3%"),
    (2646.0, Column("v", "V", "count"), None, "2,646"),
    (389040, Column("v", "V", "count"), None, "389,040"),
    (0.04, Column("v", "V", "rate_per_10000", 2), None, "0.04"),
    (0.04, Column("v", "V", "rate_per_10000", 1), None, "<0.1"),
    (0.0, Column("v", "V", "percent", 1), None, "0.0%"),
    (523.456, Column("v", "V", "rate_per_10000"), None, "523.5"),
    (float("nan"), Column("v", "V", "percent", 1), "c", "c"),
    (None, Column("v", "V", "percent", 1), "not published", "not published"),
    (pd.NA, Column("v", "V", "count"), None, "–"),
    (pd.NA, Column("v", "V"), None, ""),
    ("outside_tolerance", Column("v", "V", "status"), None, "○ Outside tolerance"),
    ("inside_tolerance", Column("v", "V", "status"), None, "◐ Inside tolerance"),
    ("worsened", Column("v", "V", "direction"), None, "▼ Worsened"),
    ("no_such_code", Column("v", "V", "status"), None, "No such code"),
    ("x", Column("v", "V", "count"), None, "not available"),
    (pd.Timestamp("2018-03-31"), Column("v", "V", "date"), None, "31 March 2018"),
    (3.0, Column("v", "V"), None, "3"),
])
def test_format_cell(value, column, reason, expected):
    assert format_cell(value, column, reason) == expected


# --- every renderer, every block -----------------------------------------------------------

@pytest.mark.parametrize("name", ["files", "html", "docx", "terminal"])
def test_every_renderer_handles_every_block(pack, name):
    out = render.RENDERERS[name](pack, workers=0) if name != "terminal" else render.RENDERERS[name](pack)
    assert out and all(isinstance(v, str | bytes) and v for v in out.values())
    text = " ".join(v if isinstance(v, str) else _docx_text(v) if k.endswith(".docx") else ""
                    for k, v in out.items())
    if name != "files":
        for words in ("At a glance", "Every measure at a glance", "Outside tolerance", "2,646",
                      "fewer than 8 quarters", "Statuses are as reported", "Detail"):
            assert words in text, (name, words)
        assert "0.04%" in text and re.search(r"(^|[\s>])c($|[\s<])", text)  # a hidden figure is "c"
        assert all(bad not in text for bad in ("nan", "NaN", "<NA>", "outside_tolerance", "2646.0"))
    else:
        assert {"charts/re_referrals_trend.png", "charts/re_referrals_trend.svg",
                "charts/re_referrals_trend.txt", "tables/profile.csv", "tables/tables.xlsx",
                "notes.csv"} == set(out)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return " ".join([p.text for p in document.paragraphs] + cells)


def test_unknown_format_lists_the_valid_ones(pack, tmp_path):
    with pytest.raises(ParameterError) as err:
        render.write(pack, tmp_path, formats=("html", "odt"))
    assert "'odt'" in str(err.value) and "files, html, docx, pdf, terminal" in str(err.value)
    assert not any(tmp_path.iterdir())


# --- validation ----------------------------------------------------------------------------

def test_validate_pack_raises_for_files_and_warns_for_display(pack, tmp_path):
    chart = pack.charts()[0]
    twice = Pack(pack.title, pack.meta, (*pack.sections,
                                         Section("again", "Again", (chart, Chart(
                                             "other", rising_line, {"values": [1.0]}, alt_text="One point.")))))
    with pytest.raises(render.PackInvalidError) as err:
        render.write(twice, tmp_path / "out")
    message = str(err.value)
    assert "chart name 're_referrals_trend' is also used in section at_a_glance" in message
    assert "chart other: no source" in message
    assert not (tmp_path / "out").exists()
    with pytest.warns(UserWarning, match="no source"):
        html = twice._repr_html_()
    assert "Again" in html


def test_chart_without_alt_text_cannot_be_made():
    with pytest.raises(ParameterError, match="no alt text"):
        Chart("c", rising_line, {"values": [1.0]}, alt_text="  ")


# --- writing -------------------------------------------------------------------------------

def test_write_resolves_relative_folders_from_the_project_root(pack, tmp_path, monkeypatch):
    import analysis.core.config

    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")  # as in JupyterLab
    monkeypatch.setattr(analysis.core.config, "project_root", lambda: tmp_path)
    written = render.write(pack, "outputs/doncaster", formats=("files", "html"), workers=0)
    root = tmp_path / "outputs" / "doncaster"
    assert all(p.is_relative_to(root) for p in written)
    assert (root / "report.html").is_file() and (root / "tables" / "profile.csv").is_file()
    assert not (tmp_path / "notebooks" / "outputs").exists()
    assert sorted(p.name for p in (root / "charts").iterdir()) == [
        "re_referrals_trend.png", "re_referrals_trend.svg", "re_referrals_trend.txt"]


def test_write_leaves_nothing_when_a_renderer_fails(pack, tmp_path, monkeypatch):
    def broken(pack, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(render.RENDERERS, "docx", broken)
    with pytest.raises(RuntimeError):
        render.write(pack, tmp_path / "out", workers=0)
    assert not (tmp_path / "out").exists()


def broken_plot(ax=None):
    """A module-level plot function that fails in the worker that draws it."""
    raise ValueError("no figures to plot")


def test_workers_started_ahead_draw_sections_while_the_pack_is_built(pack, monkeypatch):
    """start_workers, then draw_ahead per section: the charts are with the workers before
    draw_charts is called; draw_charts waits for them, gives the same drawings as drawing
    here, and stops the workers."""
    second = Chart("second", rising_line, {"values": [3.0, 2.0]}, alt_text="Falling from 3 to 2.",
                   source="Source: test")
    section = Section("more", "More", (second, Text("words")))
    charts = [*pack.charts(), second]
    here = files.draw_charts([Chart(c.name, c.plot, c.inputs, alt_text=c.alt_text, source=c.source,
                                    title=c.title) for c in charts], workers=0)
    monkeypatch.setenv("CSC_CHART_WORKERS", "2")
    assert render.start_chart_workers() is True
    try:
        for s in (*pack.sections, section):
            render.draw_ahead(s)
        assert all(type(files._remembered(c)).__name__ == "Future" for c in charts)
        drawn = files.draw_charts(charts)
    finally:
        files._stop_workers()
    assert files._POOL is None  # draw_charts stopped them
    assert list(drawn) == ["re_referrals_trend", "second"]
    for name in here:
        for path, data in here[name].items():
            if not path.endswith(".svg"):  # SVG ids are salted per process
                assert drawn[name][path] == data, path
    assert files._remembered(second) is drawn["second"]  # a second format draws nothing again


def test_a_chart_that_fails_in_a_worker_started_ahead_is_an_error_and_not_remembered(monkeypatch):
    bad = Chart("bad", broken_plot, {}, alt_text="Nothing.", source="Source: test")
    good = Chart("good", rising_line, {"values": [1.0, 2.0]}, alt_text="Up.", source="Source: test")
    monkeypatch.setenv("CSC_CHART_WORKERS", "2")
    assert render.start_chart_workers() is True
    try:
        render.draw_ahead(Section("s", "S", (good, bad)))
        with pytest.raises(AnalysisError, match="chart bad could not be drawn"):
            files.draw_charts([good, bad])
    finally:
        files._stop_workers()
    assert files._POOL is None
    assert files._remembered(bad) is None
    with pytest.raises(AnalysisError, match="chart bad could not be drawn"):
        files.draw_charts([bad], workers=0)  # drawn again, and fails again


def test_draw_ahead_without_started_workers_does_nothing(pack):
    render.draw_ahead(pack.sections[0])
    assert files._POOL is None
    assert all(files._remembered(c) is None for c in pack.charts())


def test_charts_drawn_in_a_pool_match_charts_drawn_here(pack):
    charts = [pack.charts()[0],
              Chart("second", rising_line, {"values": [3.0, 2.0]}, alt_text="Falling from 3 to 2.",
                    source="Source: test")]
    here = files.draw_charts(charts, workers=0)
    pooled = files.draw_charts(charts, workers=2)
    assert list(pooled) == ["re_referrals_trend", "second"]
    for name in here:
        for path, data in here[name].items():
            if not path.endswith(".svg"):  # SVG ids are salted per process
                assert pooled[name][path] == data, path
    assert here["second"]["charts/second.txt"] == b"Falling from 3 to 2.\n"
    assert here["second"]["charts/second.png"].startswith(b"\x89PNG")


def test_no_pool_under_a_script_that_workers_would_run_again(monkeypatch):
    import types

    script = types.ModuleType("__main__")
    script.__file__ = "/home/analyst/make_pack.py"  # run as `python make_pack.py`: no __spec__
    monkeypatch.setitem(sys.modules, "__main__", script)
    monkeypatch.delenv("CSC_CHART_WORKERS", raising=False)
    assert files.default_workers(40) == 0
    monkeypatch.setenv("CSC_CHART_WORKERS", "3")
    assert files.default_workers(40) == 3
    kernel = types.ModuleType("__main__")
    kernel.__file__ = "/venv/lib/ipykernel_launcher.py"
    kernel.__spec__ = types.SimpleNamespace(name="ipykernel_launcher")  # type: ignore[assignment]
    monkeypatch.setitem(sys.modules, "__main__", kernel)
    monkeypatch.delenv("CSC_CHART_WORKERS")
    assert files.default_workers(3) == 0  # too few charts to pay for starting workers
    assert files.default_workers(13) == 0  # the deep dive's 13: drawn in the kernel, 450 MB less
    assert files.default_workers(40) == (len(os.sched_getaffinity(0)) if len(os.sched_getaffinity(0)) > 1 else 0)


@pytest.mark.parametrize("module", files.WORKER_PRELOAD)
def test_every_module_the_chart_workers_load_ahead_imports(module):
    """A moved or renamed module must not leave a dead name in the workers' preload list: the
    forkserver skips a name it cannot import without a word, and every worker would then
    import that module itself, late."""
    importlib.import_module(module)


# --- files: downloads ----------------------------------------------------------------------

def test_csv_and_xlsx_keep_numbers_and_neutralise_formulas(pack):
    out = files.render(pack, workers=0)
    csv = pd.read_csv(io.BytesIO(out["tables/profile.csv"]), na_values=["c"])
    assert list(csv.columns) == ["Measure", "Value (%)", "Children", "Status", "Since last year", "Code"]
    assert csv["Measure"].tolist() == ["Re-referrals within 12 months", PAYLOAD, "'" + FORMULA,
                                       "Source: DfE, Children in need 2016-17"]  # the source line under it
    assert csv["Value (%)"].tolist()[:2] == [27.1, 0.04] and csv["Children"].dtype.kind in "if"
    assert b'HYPERLINK(""http://x"",""y"")",c,' in out["tables/profile.csv"]  # the hidden value is c
    assert b"2646," in out["tables/profile.csv"] and b"2646.0" not in out["tables/profile.csv"]

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(out["tables/tables.xlsx"]))["profile"]
    assert sheet["A4"].value == "'" + FORMULA and sheet["A4"].data_type == "s"
    assert sheet["B2"].value == 27.1 and sheet["B2"].data_type == "n"
    assert sheet["C2"].value == 2646 and sheet["C2"].data_type == "n"
    notes = pd.read_csv(io.BytesIO(out["notes.csv"])).fillna("")
    assert notes.to_dict("records") == [
        {"section": "At a glance",  # the section and the indicator in words, never their ids
         "indicator": "Re-referrals within 12 months (E1)", "kind": "missing",
         "message": "No SPC chart: fewer than 8 quarters."},
        {"section": "Detail", "indicator": "", "kind": "caveat",
         "message": "Statuses are as reported."}]


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+44", "'+44"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), (-2.5, -2.5), (3, 3)])
def test_neutralise(text, expected):
    assert files.neutralise(text) == expected


# --- HTML ----------------------------------------------------------------------------------

def test_html_is_valid_and_runs_nothing_from_the_pack(pack):
    import html5lib

    document = render.RENDERERS["html"](pack, workers=0)["report.html"]
    assert isinstance(document, str)
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(document)
    assert tree.findall(".//script") == []
    assert "<script>alert" not in document and "<img src=x" not in document
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in document
    images = tree.findall(".//img")
    assert [i.get("alt") for i in images] == [ALT]
    assert all(i.get("src").startswith("data:image/png;base64,") for i in images)
    assert "http" not in "".join(tree.find(".//head").itertext()) and "<link" not in document
    (table,) = tree.findall(".//table")
    assert table.find("caption").text == "Every measure at a glance"
    assert [th.get("scope") for th in table.findall("thead/tr/th")] == ["col"] * 5
    assert [th.text for th in table.findall("thead/tr/th")] == [
        "Measure", "Value", "Children", "Status", "Since last year"]  # Code is download only
    assert [row.find("th").get("scope") for row in table.findall("tbody/tr")] == ["row"] * 3
    text = " ".join(tree.find(".//body").itertext())
    for fact in ("Doncaster", "2017-18 Q4", "2 December 2026", "published November 2017"):
        assert fact in text
    assert "No SPC chart: fewer than 8 quarters." in text
    # the appendix comes after the core pack, after a page break
    assert document.index("appendix-start") < document.index(">Appendix</h2>") < document.index(">Detail</h3>")
    assert "size: A4 portrait" in document and "break-inside: avoid" in document


def test_pack_and_section_show_themselves_in_a_notebook(pack):
    from analysis.render.notebook import show

    shown: list = []
    show(pack, display=shown.append)
    assert len(shown) == 3  # title block, then each section
    assert "At a glance" in shown[1].data and "Detail" in shown[2].data
    assert "Every measure at a glance" in pack._repr_html_()
    assert "Statuses are as reported." in pack.sections[1]._repr_html_()


# --- Word ----------------------------------------------------------------------------------

def test_docx_has_headings_real_tables_and_described_pictures(pack):
    import docx
    from docx.shared import Mm

    document = docx.Document(io.BytesIO(render.RENDERERS["docx"](pack, workers=0)["report.docx"]))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == [("Title", pack.title), ("Heading 1", "At a glance"), ("Heading 1", "Appendix: Detail")]
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == ["Measure", "Value", "Children", "Status", "Since last year"]
    assert [c.text for c in table.rows[3].cells] == [FORMULA, "c", "–", "", "No comparison"]
    assert table.rows[1].cells[2].text == "2,646"
    assert table.rows[0]._tr.trPr.xpath("./w:tblHeader")  # the header row repeats
    (picture,) = document.inline_shapes
    assert picture._inline.docPr.get("descr") == ALT
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    assert "Doncaster" in section.header.paragraphs[0].text
    body = " ".join(p.text for p in document.paragraphs)
    assert "Local authority: Doncaster" in body and "Not available: No SPC chart" in body
    with zipfile.ZipFile(io.BytesIO(render.RENDERERS["docx"](pack, workers=0)["report.docx"])) as z:
        assert "<script>" not in z.read("word/document.xml").decode()


# --- terminal ------------------------------------------------------------------------------

def test_table_text():
    frame = pd.DataFrame({"measure": ["Re-referrals", "Children in need"], "value": [14.285714, pd.NA],
                          "status": ["outside_tolerance", "no_value"]})
    table = Table("t", frame, (Column("measure", "Measure"), Column("value", "Value", "percent", 1),
                               Column("status", "Status", "status")), caption="Quarter", source="Source: x")
    assert terminal.table_text(table) == (
        "Quarter\n"
        "Measure           Value  Status\n"
        "----------------  -----  -------------------\n"
        "Re-referrals      14.3%  ○ Outside tolerance\n"
        "Children in need      –  No value\n"
        "Source: x")


def test_terminal_shows_alt_text_in_place_of_charts(pack):
    text = terminal.render(pack)["report.txt"]
    assert isinstance(text, str)
    assert "[Chart: Re-referrals]" in text and ALT in text
    assert text.index("At a glance") < text.index("Appendix: Detail")


def test_cli_quarter_prints_formatted_tables(bench_table):
    from typer.testing import CliRunner

    from analysis.app.cli import app

    result = CliRunner().invoke(app, ["quarter", "--la", "Doncaster", "--period", "2017-18Q4"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    for raw in ("14.285714", "NaN", "<NA>", "outside_tolerance", "2646.0", "None"):
        assert raw not in out, raw
    # Social Care Pathway: 1 of 7 measures outside tolerance = 14.3%; A1 26% against 22% target
    assert "14.3%" in out and "○ Outside tolerance" in out and "as reported" in out
    # A1 as the papers give it: 26% against a target of 22% and a tolerance of 28% (no "26.0%").
    assert re.search(r"26%\s+22%\s+28%\s+◐ Inside tolerance", out)
    assert "0.04" in out  # FO3, never "0.0"
    # E34 (1,937 children, a count) is not set beside England's total of 389,040.
    assert "389,040" not in out and "1,937" in out
    # The toolkit's own codes for figures the papers give without one never reach the reader.
    assert "P01_" not in out and "FS1" not in out


def test_without_chromium_the_pdf_is_left_out_with_the_reason(pack, tmp_path, monkeypatch):
    from analysis.render import pdf

    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    with pytest.warns(UserWarning, match="no report.pdf: no PDF engine: install Chromium"):
        written = render.write(pack, tmp_path, formats=("html", "pdf"), workers=0)
    assert [p.name for p in written] == ["report.html"]
    note = pdf.html_to_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    assert note is not None and "install Chromium" in note
    assert not (tmp_path / "report.pdf").exists()


_NOTEBOOK_PACK = """
import pandas as pd
from analysis.render import output as render
from analysis.core.blocks import Column, Note, Pack, Section, Table, Text
frame = pd.DataFrame({"measure": ["Re-referrals"], "value": [27.1]})
table = Table("profile", frame, (Column("measure", "Measure"), Column("value", "Value", "percent", 1)),
              caption="Profile", source="Source: DfE")
pack = Pack("Doncaster: test", {"la": "Doncaster", "period": "2017-18 Q4"},
            (Section("one", "One", (Text("Hello."), table, Note("missing", "No SPC."))),))
render.write(pack, output_dir, formats=("files", "html"))
"""


def test_the_runner_keeps_what_the_notebook_rendered_and_prints_the_pdf(stub_pack_notebook, tmp_path):
    from analysis.app.runner import run_notebook

    project = stub_pack_notebook(_NOTEBOOK_PACK)
    out = tmp_path / "packs" / "doncaster"
    result = run_notebook("quarterly_pack", {"la": "Doncaster", "period": "2017-18 Q4"}, out, project,
                          title="Doncaster: test", pdf=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert '<caption id="table-profile-caption">Profile</caption>' in (out / "report.html").read_text()
    assert set(manifest["outputs"]) >= {"report.html", "notes.csv", "tables/profile.csv",
                                        "tables/tables.xlsx", "quarterly_pack.ipynb", "manifest.json"}
    if find_chromium():
        assert manifest["formats"] == ["files", "html", "pdf"] and manifest["pdf_note"] is None
        assert (out / "report.pdf").read_bytes()[:4] == b"%PDF"
    else:
        assert manifest["formats"] == ["files", "html"] and "Chromium" in manifest["pdf_note"]
    assert result.status == "ok"


# --- browser: PDF, axe-core, the browser's lifetime ----------------------------------------

def _chromium() -> str:
    return require_chromium()


@pytest.mark.browser
def test_pdf_is_a4_with_selectable_text_headers_and_page_numbers(pack):
    _chromium()
    from pypdf import PdfReader

    data = render.RENDERERS["pdf"](pack, workers=0)["report.pdf"]
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 portrait, in points
    pages = [p.extract_text() for p in reader.pages]
    text = "\n".join(pages)
    for table in pack.tables():
        for column in table.columns:
            if column.display:
                assert column.label in text, column.label
    assert "Re-referrals within 12 months" in text and "2,646" in text
    for number, page_text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page_text
        assert "Doncaster" in page_text and "2017-18 Q4" in page_text  # running header


@pytest.mark.browser
def test_html_has_no_serious_accessibility_violations(pack, tmp_path):
    browser_path = _chromium()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    from analysis.render.pdf import CHROMIUM_FLAGS

    html = tmp_path / "report.html"
    html.write_text(render.RENDERERS["html"](pack, workers=0)["report.html"], encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(html.as_uri(), wait_until="load")
        results = Axe().run(page)
        browser.close()
    violations = results.response["violations"]
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
               if v["impact"] in ("serious", "critical")]
    assert serious == []


def _processes_with_tmpdir(folder: Path) -> list[int]:
    """Processes whose TMPDIR is ``folder`` or inside it (the child, its driver, the browser)."""
    found = []
    wanted = f"TMPDIR={folder}".encode()
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if any(v == wanted or v.startswith(wanted + b"/")
                       for v in (proc / "environ").read_bytes().split(b"\0")):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@pytest.mark.browser
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc (Linux)")
def test_the_browser_dies_with_its_parent_and_leaves_no_profile(request):
    _chromium()
    # A short temporary folder of the test's own (Chromium's sockets need a short path).
    scratch = Path(tempfile.mkdtemp(prefix="csc-t-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(scratch, ignore_errors=True))
    # A page that never finishes loading (its image comes from a local socket that never
    # answers): the child is killed while Chromium waits for it.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    image = f"http://127.0.0.1:{silent.getsockname()[1]}/never.png"
    code = ("from analysis.render.pdf import print_pdf\n"
            f"print_pdf('<p>x</p><img src=\"{image}\" alt=\"\">', timeout=60)\n")
    child = subprocess.Popen([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(scratch)},
                             stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not any("chrom" in _cmdline(p) for p in _processes_with_tmpdir(scratch)):
            assert child.poll() is None, child.stderr.read().decode(errors="replace") if child.stderr else ""
            assert time.monotonic() < deadline, "Chromium did not start"
            time.sleep(0.2)
        assert any(scratch.iterdir())  # the browser's temporary profile
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        silent.close()
    deadline = time.monotonic() + 30
    while (_processes_with_tmpdir(scratch) or any(scratch.iterdir())) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert {p: _cmdline(p)[:100] for p in _processes_with_tmpdir(scratch)} == {}
    assert sorted(p.name for p in scratch.rglob("*")) == []


def test_a_long_temporary_folder_still_prints(tmp_path, monkeypatch):
    _chromium()
    deep = tmp_path / ("a" * 80)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    from analysis.render.pdf import print_pdf, scratch_folder

    folder = scratch_folder()
    assert len(str(folder)) <= 60
    folder.rmdir()
    assert print_pdf("<p>x</p>", timeout=60).startswith(b"%PDF")


def test_rendered_text_formats_are_stable(pack):
    """The terminal text of the fixture, as a snapshot of what a reader sees."""
    text = terminal.render(pack)["report.txt"]
    assert text.splitlines()[:6] == [
        "Doncaster: children's social care performance, 2017-18 Q4",
        "#" * 57,
        "Local authority: Doncaster", "Period: 2017-18 Q4", "Date made: 2 December 2026",
        "Data sources: DfE Children in need 2016-17 (published November 2017)"]
    assert formats.words("outside_tolerance") == "○ Outside tolerance"
    assert json.dumps(text)  # plain text, nothing binary
