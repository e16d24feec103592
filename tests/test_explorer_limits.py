"""The explorer's input limits (analysis.explorer.limits, checked in analysis.explorer.search)
and its widget callbacks' errors (analysis.explorer.guard): a plain line, never a traceback."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from analysis.core.errors import ParameterError
from analysis.explorer import data as explorer_data
from analysis.explorer import guard, limits, search
from analysis.explorer import view as explorer

#: 2,000 names that match no LA: 2,000 x "Nowhere " (16,000) + 6,890 digits (10x1 + 90x2 + 900x3
#: + 1,000x4) + 1,999 x ", " (3,998) = 26,888 characters.
UNKNOWN_2000 = ", ".join(f"Nowhere {i}" for i in range(2000))


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def test_the_limits_are_sized_for_real_lists():
    # London's 33 boroughs, the largest region, fit; so does the longest LA name (27 characters).
    assert limits.MAX_NAMES == 60 and limits.MAX_LIST_CHARS == 2_000 and limits.MAX_NAME_CHARS == 120
    assert len(UNKNOWN_2000) == 26_888


def test_a_2000_name_list_is_refused_at_once_saying_the_limit():
    start = time.perf_counter()
    with pytest.raises(ParameterError) as caught:
        search.split_names(UNKNOWN_2000)
    assert time.perf_counter() - start < 1.0
    assert caught.value.problem == ("The comparator list holds 26,888 characters; "
                                    "at most 2,000 are read.")


def test_more_names_than_the_limit_are_refused_even_when_short():
    assert len(search.split_names(",".join(["York"] * 60))) == 60  # at the limit: read
    with pytest.raises(ParameterError) as caught:
        search.split_names(",".join(["York"] * 61))  # 304 characters, 61 names
    assert caught.value.problem == "The comparator list names 61 LAs; at most 60 are compared."
    assert len(search.split_names("a" * 2_000)) == 1  # 2,000 characters: read
    with pytest.raises(ParameterError):
        search.split_names("a" * 2_001)


def test_resolve_group_and_the_name_boxes_say_the_limit(data):
    found, problems = search.resolve_group(["York"] * 61, data)
    assert found == [] and problems == ["The comparator list names 61 LAs; at most 60 are compared."]
    la, why = search.find_la("x" * 121, data)
    assert la is None
    assert why == "The LA box holds 121 characters; at most 120 are read. Type a shorter name."
    ind, why = search.find_indicator("y" * 5_000, data.catalogue)
    assert ind is None and why.startswith("The indicator box holds 5,000 characters; at most 120")
    assert search.find_la(" Doncaster" + " " * 110, data)[0].name == "Doncaster"  # 120: read


def test_the_widgets_refuse_a_pasted_list_within_a_second(data):
    from analysis.explorer.widgets import ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    app.comparator.value = "list"
    start = time.perf_counter()
    app.group.value = UNKNOWN_2000
    assert time.perf_counter() - start < 1.0
    assert app.messages.value == "The comparator list holds 26,888 characters; at most 2,000 are read."
    assert "27.1" in app.table.value  # Doncaster's row still shown


class _Page:
    def __init__(self) -> None:
        self.messages = type("Line", (), {"value": ""})()

    @guard.guarded
    def broken(self, _change: dict[str, object]) -> None:
        raise KeyError("/work/main/analysis/explorer/secret.py")

    @guard.guarded
    def refused(self, _change: dict[str, object]) -> None:
        raise ParameterError("The <LA> box is empty.", parameter="la", fix="type one")


def test_a_failing_callback_shows_one_plain_line_and_logs_the_traceback(caplog):
    page = _Page()
    with caplog.at_level(logging.ERROR, logger="analysis.explorer"):
        page.broken({})
    assert page.messages.value == guard.PLAIN_ERROR
    assert "/" not in page.messages.value and "Traceback" not in page.messages.value
    assert caplog.records[-1].exc_info is not None  # the traceback goes to the server's log
    page.refused({})
    assert page.messages.value == "The &lt;LA&gt; box is empty."  # the problem only, escaped


def test_kernel_log_records_go_to_the_process_stderr_not_the_page(capsys):
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        guard.log_to_server()
        guard.log_to_server()  # once only
        added = [h for h in root.handlers if h not in before]
        assert len(added) == 1 and added[0].stream is sys.__stderr__  # outside a kernel
        # ipykernel's comm manager logs a bad widget message's error on the "Comm" logger; on a
        # kernel the page's stream is sys.stderr, which it must not reach.
        logging.getLogger("Comm").error("Exception in comm_msg for %s", "abc")
        assert "comm_msg" not in capsys.readouterr().err
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
        logging.captureWarnings(False)


def test_in_a_kernel_the_log_goes_to_the_stderr_it_was_started_with(monkeypatch, tmp_path):
    import os

    started_with = (tmp_path / "server.log").open("w")
    captured = type("Captured", (), {"_original_stdstream_copy": os.dup(started_with.fileno())})()
    monkeypatch.setattr(sys, "stderr", captured)  # as ipykernel's OutStream holds it
    stream = guard.server_stream()
    stream.write("to the server\n")
    stream.flush()
    os.close(captured._original_stdstream_copy)
    started_with.close()
    assert (tmp_path / "server.log").read_text() == "to the server\n"


def test_on_a_served_page_the_kernel_logs_tracebacks_instead_of_showing_them(caplog):
    class Shell:
        def showtraceback(self, *args, **kwargs):
            raise AssertionError("a traceback would be sent to the page")

    lab = Shell()
    assert guard.quiet_tracebacks(lab, environ={}) is False  # JupyterLab: unchanged
    assert guard.quiet_tracebacks(None, environ={"VOILA_PREHEAT": "True"}) is False
    page = Shell()
    assert guard.quiet_tracebacks(page, environ={"VOILA_PREHEAT": "False"}) is True
    with caplog.at_level(logging.ERROR, logger="analysis.explorer"):
        try:
            raise ValueError("bad widget state")
        except ValueError:
            page.showtraceback()  # as ipywidgets calls it for a failing widget message
    assert caplog.records[-1].exc_info[0] is ValueError
    assert caplog.records[-1].getMessage() == "error in a widget message from the page"
