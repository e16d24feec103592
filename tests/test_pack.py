"""The chart pack runner: parameter checks, no partial packs, and end-to-end papermill runs."""

from __future__ import annotations

import hashlib
import html as htmllib
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from analysis.app.kernels import WorkerKernel
from analysis.app.manifest import input_files
from analysis.app.params import validate_parameters
from analysis.app.runner import (
    PackError,
    find_chromium,
    run_notebook,
    run_pack,
    safe_output_dir,
)
from analysis.core.errors import NoDataError, ParameterError
from tests.conftest import read_table_csv, require_chromium


@pytest.fixture(autouse=True)
def _processed(bench_table):
    """Packs read data/processed/benchmarks.parquet."""


def test_unknown_parameter_rejected():
    with pytest.raises(ParameterError, match="unknown parameter 'colour'"):
        validate_parameters("quarterly_pack", {"la": "Doncaster", "period": "2017-18 Q4", "colour": "red"})


def test_wrong_type_rejected():
    with pytest.raises(ParameterError, match="parameter 'la'"):
        validate_parameters("quarterly_pack", {"la": 371, "period": "2017-18 Q4"})


@pytest.mark.parametrize("name", ["../../etc", "a/../../b", "/abs/path", ".."])
def test_output_folder_never_escapes(tmp_path, name):
    root = tmp_path / "outputs"
    try:
        target = safe_output_dir(root, name, "2017-18-q4")
    except ParameterError:
        return
    assert target.is_relative_to(root.resolve())


@pytest.mark.parametrize(("la", "period", "error", "needle"), [
    ("Nowhere", "2017-18 Q4", ParameterError, "unknown local authority"),
    ('Doncaster"; import os; os.system("touch /tmp/pwned") #', "2017-18 Q4", ParameterError, "unknown local authority"),
    ("Doncaster", "2017-18 Q5", ParameterError, "cannot read"),
    ("Doncaster", "2012-13 Q4", ParameterError, "before 2013-14 Q1"),
    ("Cumberland", "2017-18 Q4", NoDataError, "no figures"),
])
def test_bad_requests_write_nothing(tmp_path, paths, la, period, error, needle):
    out = tmp_path / "outputs"
    with pytest.raises(error, match=needle):
        run_pack(la, period, paths, outputs_root=out)
    assert not out.exists() or not any(out.rglob("*"))
    assert not Path("/tmp/pwned").exists()


def test_output_folder_not_writable(tmp_path, paths):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ParameterError, match="output folder"):
        run_pack("Doncaster", "2017-18 Q4", paths, outputs_root=blocker / "outputs", pdf=False)


def test_failed_run_keeps_previous_pack_and_logs_the_cell(stub_pack_notebook, previous_pack):
    broken = stub_pack_notebook("print('fine')", "raise ValueError('boom in cell three')")
    out = previous_pack
    with pytest.raises(PackError, match="boom in cell three"):
        run_notebook("quarterly_pack", {"la": "Doncaster"}, out, broken, title="t", pdf=False)
    assert [p.name for p in out.iterdir()] == ["previous.txt"]
    log = (out.parent / "2017-18-q4.error.log").read_text()
    assert "Failing cell:" in log and "raise ValueError('boom in cell three')" in log
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".")] == []


def test_a_notebook_that_writes_no_report_is_an_error(stub_pack_notebook, previous_pack):
    project = stub_pack_notebook("print('no pack rendered')", report=False)
    with pytest.raises(PackError, match=r"wrote no report\.html") as err:
        run_notebook("quarterly_pack", {"la": "Doncaster"}, previous_pack, project, title="t", pdf=False)
    assert "analysis.render.output.write" in str(err.value) and "Fix:" in str(err.value)
    assert [p.name for p in previous_pack.iterdir()] == ["previous.txt"]  # the previous pack kept


def test_manifest_hashes_each_file_of_a_records_folder(tmp_path, paths):
    folder = tmp_path / "census"
    folder.mkdir()
    (folder / "cin_2017.xml").write_text("<Message/>")
    (folder / "cin_2018.xml").write_text("<Message></Message>")
    (folder / "notes.md").write_text("not an input")
    files = input_files(paths, [folder])
    # sha256 of the 10 bytes "<Message/>", worked with `printf '<Message/>' | sha256sum`
    # outside the project, each file is named by its file name only (no absolute path)
    assert files["cin_2017.xml"] == hashlib.sha256(b"<Message/>").hexdigest()
    assert "cin_2018.xml" in files and "notes.md" not in files
    assert not any(str(tmp_path) in name for name in files)


def test_batch_worker_keeps_its_kernel_and_replaces_it_after_a_failure(tmp_path, stub_pack_notebook):
    # A notebook that records its kernel's process id, and fails when asked to.
    project = stub_pack_notebook("import os, pathlib\n"
                                 "pathlib.Path(output_dir, 'pid.txt').write_text(str(os.getpid()))",
                                 "assert la != 'fail', 'asked to fail'")
    kernel = WorkerKernel()
    try:
        def pid_of(name: str) -> str:
            out = tmp_path / name
            run_notebook("quarterly_pack", {"la": name}, out, project, title="t", pdf=False, kernel=kernel)
            return (out / "pid.txt").read_text()

        first, second = pid_of("a"), pid_of("b")
        assert first == second and kernel.used == 2
        assert json.loads((tmp_path / "b" / "manifest.json").read_text())["kernel"].startswith("shared")
        with pytest.raises(PackError, match="asked to fail"):
            run_notebook("quarterly_pack", {"la": "fail"}, tmp_path / "fail", project, title="t", pdf=False,
                         kernel=kernel)
        assert kernel.km is None and kernel.used == 0
        assert pid_of("c") != first
    finally:
        kernel.shutdown()


def _no_curve() -> str:
    """Why this machine cannot encrypt a kernel's connection ("" when it can)."""
    import zmq
    from jupyter_client.manager import AsyncKernelManager

    if not zmq.has("curve"):
        return "this pyzmq has no CurveZMQ (libzmq built without libsodium)"
    if "transport_encryption" not in AsyncKernelManager.class_trait_names():
        return "jupyter_client older than 8.9 cannot give a kernel CurveZMQ keys"
    return ""


NO_CURVE = _no_curve()


@pytest.mark.skipif(bool(NO_CURVE), reason=NO_CURVE)
@pytest.mark.parametrize("batch", [False, True], ids=["single pack", "batch worker"])
def test_the_kernel_connection_is_encrypted(tmp_path, stub_pack_notebook, capfd, batch):
    """Code and outputs (record-level data in a deep dive) never cross the kernel's local
    sockets in plain text: the kernel gets CurveZMQ keys, and ipykernel's warning about an
    unencrypted connection is never printed."""
    project = stub_pack_notebook("import pathlib\nfrom ipykernel.kernelapp import IPKernelApp\n"
                                 "app = IPKernelApp.instance()\n"
                                 "pathlib.Path(output_dir, 'curve.txt').write_text("
                                 "str(app.transport == 'tcp' and app.curve_secretkey is not None))")
    kernel = WorkerKernel() if batch else None
    try:
        run_notebook("quarterly_pack", {"la": "a"}, tmp_path / "a", project, title="t", pdf=False, kernel=kernel)
    finally:
        if kernel:
            kernel.shutdown()
    assert (tmp_path / "a" / "curve.txt").read_text() == "True"
    assert "without encryption" not in capfd.readouterr().err


# --- end to end -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def doncaster_pack(tmp_path_factory, paths):
    out = tmp_path_factory.mktemp("packs")
    result = run_pack("Doncaster", "2017-18Q4", paths, outputs_root=out)
    return result.output


@pytest.mark.e2e
def test_doncaster_pack_files(doncaster_pack):
    out = doncaster_pack
    for name in ["quarterly_pack.ipynb", "report.html", "report.docx", "manifest.json", "tables/tables.xlsx",
                 "tables/at_a_glance.csv", "tables/profile.csv", "tables/status_summary.csv",
                 "charts/re_referrals_neighbours.png", "charts/re_referrals_neighbours.svg",
                 "charts/re_referrals_neighbours.txt", "charts/re_referrals_all_las.png",
                 "charts/re_referrals_comparators.svg", "charts/re_referrals_trend.png",
                 "charts/quarterly_e1.svg", "charts/re_referrals_funnel.png", "charts/overview.svg",
                 "notes.csv"]:
        assert (out / name).exists(), name
    # Tables are tables, not pictures; one quarter on its own is not a chart.
    for name in ["charts/status_summary.png", "charts/cover_contract_measures.png", "charts/quarterly_a1.png"]:
        assert not (out / name).exists(), name
    if find_chromium():
        assert (out / "report.pdf").read_bytes()[:4] == b"%PDF"


@pytest.mark.e2e
def test_doncaster_pack_holds_published_figures(doncaster_pack):
    glance = read_table_csv(doncaster_pack / "tables/at_a_glance.csv").set_index("Indicator")
    rr = glance.loc["Re-referrals within 12 months"]
    assert (rr["Doncaster"], rr["England"], rr["Region"], round(rr["Neighbours"], 1), rr["Rank"],
            rr["Band"], rr["Children"]) == (27.1, 21.9, 21.5, 20.1, "142 of 152", "D", "1,429 of 5,275")
    # 95% Wilson interval of 1,429 / 5,275 is 25.9% to 28.3%: above all three comparators.
    assert rr["England / region / neighbours"] == "worse / worse / worse"
    assert rr["Sentence"].startswith("Re-referrals within 12 months, 2016-17: Doncaster 27.1% (1,429 of 5,275)")
    assert round(rr["Gap in children to the neighbours' average"]) == 368  # headings in words
    summary = read_table_csv(doncaster_pack / "tables/status_summary.csv").set_index("Area")
    assert summary.loc["Total", ["Outside tolerance", "Inside tolerance", "On target", "No target"]].tolist() == [2, 7, 9, 2]
    profile = read_table_csv(doncaster_pack / "tables/profile.csv").set_index("Code")
    a1 = profile.loc["A1"]
    assert (a1["Latest"], a1["England"], a1["Region (published year)"],
            round(a1["Neighbours' average (published year)"], 1), a1["LA's published figure"],
            a1["Rank of the published figure"], a1["Ranked among"]) == (26, 21.9, 21.5, 20.1, 27.1, 142, 152)
    assert a1["Status"] == "inside tolerance"  # in words, never inside_tolerance
    xlsx = pd.read_excel(doncaster_pack / "tables/tables.xlsx", sheet_name=None)
    assert {"at_a_glance", "profile", "status_summary"} <= set(xlsx)


@pytest.mark.e2e
def test_doncaster_notebook_ran_clean(doncaster_pack):
    nb = nbformat.read(doncaster_pack / "quarterly_pack.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    manifest = json.loads((doncaster_pack / "manifest.json").read_text())
    assert manifest["parameters"] == {"la": "E08000017", "period": "2017-18 Q4", "neighbours": None,
                                      "indicators": None}
    assert "html" in manifest["formats"] and set(manifest["outputs"]) >= {"report.html", "manifest.json"}
    # The HTML report stands alone: every chart embedded, none linked.
    html = (doncaster_pack / "report.html").read_text(encoding="utf-8")
    charts = len(list((doncaster_pack / "charts").glob("*.png")))
    assert 'src="charts/' not in html and html.count('src="data:image/png;base64,') == charts
    # The notebook shows the same pack value: every chart embedded, with its alt text.
    shown = "".join(str(o.get("data", "")) for c in nb.cells for o in c.get("outputs", []))
    assert shown.count('src="data:image/png;base64,') == charts
    assert manifest["inputs"]["data/raw/local/doncaster_quarterly_return.csv"]
    assert len(manifest["inputs"]["data/raw/dfe/lait/bds_long_0.parquet"]) == 64
    assert manifest["duration_seconds"] > 0 and manifest["packages"]["pandas"]
    html = (doncaster_pack / "report.html").read_text()
    assert "import " not in html.split("<body")[1].split("</body>")[0] or "jp-InputArea" not in html
    assert 'alt="' in html
    # The how-to-run cell (tagged notebook-only) is in the notebook, not in the report.
    assert "This cell is not shown" in nb.cells[0].source
    assert "not shown" not in html
    assert "Doncaster: children's social care performance" in htmllib.unescape(html)


@pytest.fixture(scope="module")
def rotherham_dorset_batch(tmp_path_factory):
    """``pack --la Rotherham --la Dorset --period 2017-18Q4 --no-pdf`` through the CLI, once for
    the module: the CLI's result and the output folder (Rotherham's 2017-18 Q4 pack is in
    ``rotherham/2017-18-q4``)."""
    from typer.testing import CliRunner

    from analysis.app.cli import app

    out = tmp_path_factory.mktemp("batch")
    result = CliRunner().invoke(app, ["pack", "--la", "Rotherham", "--la", "Dorset", "--period", "2017-18Q4",
                                      "--no-pdf", "--output", str(out)])
    return result, out


@pytest.mark.e2e
def test_rotherham_pack_benchmarks_only(rotherham_dorset_batch):
    """Rotherham's 2017-18 Q4 pack (made by the batch below, as ``run_pack`` makes it)."""
    output = rotherham_dorset_batch[1] / "rotherham" / "2017-18-q4"
    html = (output / "report.html").read_text()
    # Rotherham's return holds 2016-17 Q4 only: the quarterly sections are left out, said so.
    assert "Rotherham&#x27;s return has no figures for 2017-18 Q4" in html or \
        "Rotherham's return has no figures for 2017-18 Q4" in htmllib.unescape(html)
    glance = read_table_csv(output / "tables/at_a_glance.csv").set_index("Indicator")
    # Seed 002 asks about placement moves and care leavers, with the children behind percentages.
    moves = glance.loc["Children looked after with 3 or more placements in the year"]
    # LAIT 2016-17: 12%, published as 55 of 487 (11.3%; DfE rounded the count to 5): the count
    # 12% gives, 12% x 487 = 58.44, "about".
    assert moves["Rotherham"] == 12 and moves["Children"] == "about 58 of 487"
    assert "Care leavers aged 19-21 in suitable accommodation" in glance.index
    assert not (output / "tables/status_summary.csv").exists()


@pytest.mark.e2e
def test_doncaster_2013_14_q3_pack(tmp_path, paths):
    result = run_pack("Doncaster", "2013-14 Q3", paths, outputs_root=tmp_path, pdf=False)
    glance = read_table_csv(result.output / "tables/at_a_glance.csv").set_index("Indicator")
    assert glance.loc["Re-referrals within 12 months", "Year"] == "2012-13"
    html = (result.output / "report.html").read_text()
    assert ("Long-term placement stability: left out; none of this pack's figures had been published by "
            "the end of 2013-14 Q3 (they start with 2017-18, first published about November 2018).") in \
        htmllib.unescape(html)


def test_rotherhams_local_sections(checked_documents, tmp_path):
    """Rotherham's 2016-17 Q4 pack (the session's checked pack, its files and HTML as the
    notebook writes them)."""
    files = checked_documents("rotherham-2016-17-q4", "files")
    (tmp_path / "status_summary.csv").write_bytes(files["tables/status_summary.csv"])
    summary = read_table_csv(tmp_path / "status_summary.csv").set_index("Area")
    assert summary.loc["Total", "All measures"] == 5
    html = checked_documents("rotherham-2016-17-q4", "html")["report.html"]
    # Seed 002 is minutes, not a contract: "measures".
    assert "5 measures in 2016-17 Q4: 5 with a figure, 0 without." in html
    assert "dental check: left out; this pack&#x27;s figures start with 2017-18" in html or \
        "dental check: left out; this pack's figures start with 2017-18" in htmllib.unescape(html)


@pytest.mark.browser
@pytest.mark.e2e
def test_html_pack_in_headless_chromium(doncaster_pack):
    browser_path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console_errors.append(str(e)))
        page.goto((doncaster_pack / "report.html").as_uri(), wait_until="load")
        broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
        count = page.evaluate("document.images.length")
        page.screenshot(path=str(doncaster_pack / "screenshot.png"))
        browser.close()
    assert count > 30 and broken == 0
    assert console_errors == []
    assert (doncaster_pack / "screenshot.png").stat().st_size > 10_000


def test_notebooks_have_no_outputs_and_no_defs(paths):
    for nb_path in paths.notebooks.glob("*.ipynb"):
        nb = nbformat.read(nb_path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.get("outputs") and not c.get("execution_count") for c in code), nb_path.name
        assert not any(line.lstrip().startswith(("def ", "class ")) for c in code for line in c.source.splitlines())
        assert any("parameters" in c.metadata.get("tags", []) for c in code), nb_path.name
        assert nb_path.with_suffix(".py").exists(), f"{nb_path.name} has no paired .py"


@pytest.mark.e2e
def test_batch_carries_on_past_a_failing_la_and_exits_non_zero(rotherham_dorset_batch):
    """Two LAs through the CLI: Rotherham's pack is made; Dorset (created 2019) has no figures
    for 2016-17, fails with the no-data error, and the run exits 1 after a summary."""
    result, tmp_path = rotherham_dorset_batch
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert lines[-1] == "1 ok, 1 failed"
    # (the progress bar may share a line with the summary rows in the captured output)
    assert re.search(r"\bok\s+Rotherham\s+[\d.]+ s\s+\S*rotherham", result.output)
    assert re.search(r"\bfailed\s+Dorset\s+[\d.]+ s\s+Dorset has no figures for 2017-18 Q4", result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rotherham"]
    manifest = json.loads((tmp_path / "rotherham" / "2017-18-q4" / "manifest.json").read_text())
    # the kernel is the batch worker's
    assert manifest["kernel"].startswith("shared")
    assert (tmp_path / "rotherham" / "2017-18-q4" / "report.html").is_file()
