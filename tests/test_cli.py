"""The CLI: right figures, clean one-or-two-line errors, exit codes."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.app.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _processed(bench_table):
    """Make sure data/processed/benchmarks.parquet exists."""


def test_benchmark_table_output():
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017",
                                 "--indicator", "re_referrals"])
    assert result.exit_code == 0, result.output
    # The Rank column words a rank as the sentence and the pack do: "142 of 152".
    assert "27.1" in result.stdout and "21.9" in result.stdout and "142 of 152" in result.stdout
    assert "20.1% (10/10)" in result.stdout
    assert "NaN" not in result.stdout and "<NA>" not in result.stdout


def test_benchmark_position_reads_the_same_in_the_table_and_the_sentence():
    # Referrals 2016-17: Doncaster 804.1 per 10,000, the 20th highest of 151 LAs (seed 001:
    # "in the highest proportion nationally (20 /151)"); LAIT's rank from the lowest is 132.
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017",
                                 "--indicator", "referral_rate"])
    assert result.exit_code == 0, result.output
    table, sentence = result.stdout.split("\n- ", 1)
    assert "20th highest of 151" in table and "20th highest of 151" in sentence
    assert "132/151" not in result.stdout and "132" not in table


def test_quarter_pairs_no_count_and_ranks_as_the_pack_does():
    result = runner.invoke(app, ["quarter", "--la", "Doncaster", "--period", "2017-18Q4"])
    assert result.exit_code == 0, result.output
    pairing = result.stdout.split("== pairing")[1].split("== disagreements")[0]
    # E35 439 per 10,000 beside Doncaster's published 403.4 for 2016-17, the 42nd highest of
    # 152 (LAIT's 111th from the lowest); E34 (1,937 children, a count) is not paired with
    # England's total of 389,040, nor ranked.
    e35 = next(line for line in pairing.splitlines() if line.startswith("E35"))
    assert "42nd highest of 152" in e35 and "403.4" in e35 and "111" not in e35
    assert not any(line.startswith("E34") for line in pairing.splitlines())
    assert "389,040" not in result.stdout
    a1 = next(line for line in pairing.splitlines() if line.startswith("A1"))
    assert a1.split()[1:5] == ["26%", "2016-17", "27.1%", "142"]  # the rank beside the figure it ranks


@pytest.mark.parametrize("la", ["371", "E08000017", "DONCASTER"])
def test_benchmark_csv_any_la_form(la):
    result = runner.invoke(app, ["benchmark", "--la", la, "--year", "2016-17", "--indicator",
                                 "re_referrals", "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    row = frame.iloc[0]
    assert (row["value"], row["england"], row["rank"], row["of"]) == (27.1, 21.9, 142, 152)


def test_benchmark_json():
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017", "--format", "json"])
    rows = json.loads(result.stdout)
    by_id = {r["indicator"]: r for r in rows}
    assert by_id["cin_rate"]["value"] == 403.4 and by_id["cin_rate"]["england"] == 330.1


@pytest.mark.parametrize(("args", "needle"), [
    (["--la", "Doncastre"], "did you mean 'Doncaster'"),
    (["--la", "Doncaster", "--year", "2031"], "not in the data"),
    (["--la", "Doncaster", "--indicator", "rereferals"], "did you mean re_referrals"),
    (["--la", "Doncaster", "--year", "17/18/19"], "cannot read"),
])
def test_bad_parameters_short_error_no_traceback(args, needle):
    result = runner.invoke(app, ["benchmark", *args])
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_a_missing_option_raised_in_a_command_is_a_usage_error():
    """A usage error raised inside a command (here: pack without --la) is shown by the
    command-line library as a usage error, exit status 2, never as an unexpected failure."""
    result = runner.invoke(app, ["pack", "--period", "2017-18 Q4"])
    assert result.exit_code == 2, result.output
    assert "give --la NAME" in result.output
    assert "unexpected error" not in result.output and "Traceback" not in result.output


def test_help_for_every_command():
    for command in ["prepare", "fetch", "benchmark", "las", "indicators"]:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output, command


def test_output_file_written(tmp_path):
    out = tmp_path / "don.csv"
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017", "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert len(pd.read_csv(out)) > 20


def test_serve_help_lists_the_explorer_servers_options():
    """`python -m analysis serve` is the explorer server's command line (`make explorer` uses it)."""
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "analysis", "serve", "--help"], capture_output=True,
                         text=True, check=True, env={**os.environ, "COLUMNS": "160"}).stdout
    for option in ("notebook", "--port", "--ip", "--base-url", "--screenshot"):
        assert option in out, option


def test_serve_passes_the_options_given_to_the_explorer_server(monkeypatch):
    import analysis.explorer.server

    calls: list[list[str]] = []
    monkeypatch.setattr(analysis.explorer.server, "main", lambda argv: calls.append(argv) or 0)
    result = runner.invoke(app, ["serve", "notebooks/explorer.ipynb", "--port", "8900", "--ip", "0.0.0.0",
                                 "--base-url", "/explorer/"])
    assert result.exit_code == 0, result.output
    assert calls == [["--port", "8900", "--ip", "0.0.0.0", "--base-url", "/explorer/", "--",
                      "notebooks/explorer.ipynb"]]
    assert runner.invoke(app, ["serve"]).exit_code == 0 and calls[-1] == []


def test_synthetic_without_out_uses_its_default_folder(monkeypatch):
    """An option's default reaches the --out parser as a Path, not text: it is taken as it is."""
    from pathlib import Path

    import analysis.data.synthetic as synthetic
    from analysis.app.cli_common import parse_output_path

    assert parse_output_path(Path("data/raw/synthetic")) == Path("data/raw/synthetic")
    asked: list[Path] = []
    monkeypatch.setattr(synthetic, "write_synthetic_files",
                        lambda out, seed: asked.append(Path(out)) or [Path(out) / "x.csv"])
    result = CliRunner().invoke(app, ["synthetic"])
    assert result.exit_code == 0, result.output
    assert asked == [Path("data/raw/synthetic")]
