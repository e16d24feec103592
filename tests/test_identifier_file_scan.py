"""The identifier scan with the ids in a Parquet file (as the deep dive's runner keeps them
while its notebook runs): the same findings as with the ids in memory."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from analysis.core.errors import InputDataError
from analysis.engine.identifiers import assert_no_identifiers


def _id_file(folder: Path, ids: list[str | None]) -> Path:
    path = folder / "ids.parquet"
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[i] for i in ids])
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()
    return path


@pytest.fixture
def ids(tmp_path: Path) -> Path:
    return _id_file(tmp_path, ["SYN000123", "SYNR0000456", " T001 ", "AB 99", "12", None,
                               "\tK0042\r\n"])


def _out(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "out"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_clean_output_passes_and_every_file_is_scanned(tmp_path, ids):
    folder = _out(tmp_path, "table.csv", "locality,referrals\nNorth,c\nSouth,1230\n")
    _out(tmp_path, "chart.svg", "<svg><text>North 27% 12 of 44</text></svg>")
    # "12" is shorter than 4 characters: an ordinary number, not looked for
    assert assert_no_identifiers([folder], ids) == [folder / "chart.svg", folder / "table.csv"]


def test_an_id_in_an_output_is_refused_naming_the_file_and_the_id(tmp_path, ids):
    folder = _out(tmp_path, "notes.txt", "child SYN000123 was referred")
    with pytest.raises(InputDataError, match="1 identifier") as e:
        assert_no_identifiers([folder], ids)
    assert "notes.txt" in str(e.value) and "SYN000123" in str(e.value)


def test_ids_are_whole_tokens_or_slash_parts_and_stripped(tmp_path, ids):
    # a longer token that contains an id is not the id (as in the scan of ids in memory)
    longer = _out(tmp_path, "a.csv", "SYN0001234,XSYN000123,SYNR0000456x\n")
    assert assert_no_identifiers([longer], ids) == [longer / "a.csv"]
    # a "/"-joined token, and an id given with spaces round it (" T001 " is T001)
    (longer / "a.csv").write_text("<td>T001/2018-05-01/1</td> SYNR0000456.\n")
    with pytest.raises(InputDataError, match="2 identifier") as e:
        assert_no_identifiers([longer], ids)
    assert "SYNR0000456, T001" in str(e.value)
    # tabs and line ends round an id are stripped too, as str.strip does
    (longer / "a.csv").write_text("K0042,3\n")
    with pytest.raises(InputDataError, match="K0042"):
        assert_no_identifiers([longer], ids)


def test_an_id_with_other_characters_is_found_anywhere(tmp_path, ids):
    folder = _out(tmp_path, "p.html", "<p>case xAB 99y</p>")
    with pytest.raises(InputDataError, match="AB 99"):
        assert_no_identifiers([folder], ids)


def test_the_file_and_a_list_of_the_same_ids_find_the_same(tmp_path, ids):
    folder = _out(tmp_path, "t.csv", "T001,SYN000123,AB 99,SYNR0000456\n")
    given = ["SYN000123", "SYNR0000456", " T001 ", "AB 99", "12", None]
    found = []
    for source in (ids, given):
        with pytest.raises(InputDataError) as e:
            assert_no_identifiers([folder], source)
        found.append(str(e.value))
    assert found[0] == found[1]
    assert "4 identifier(s)" in found[0] and "SYN000123, SYNR0000456, T001 ..." in found[0]
