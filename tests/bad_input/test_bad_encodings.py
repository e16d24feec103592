"""Returns and extracts saved in other encodings: read when they are text we know, else a
message naming the problem, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import InputDataError
from analysis.data.readers.encoding import decode_text, read_csv_any
from analysis.data.readers.local_return import read_local_return
from analysis.data.readers.referral_records import read_referral_records
from analysis.measures.local_measures import LocalMeasures, load_local_measures

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def measures() -> LocalMeasures:
    return load_local_measures(Path(__file__).resolve().parents[2] / "config", "doncaster")


LABEL = "Returned by – £ spent per café"  # en dash 0x96, pound 0xA3, é 0xE9 in Windows-1252


def _return_text() -> str:
    text = (FIXTURES / "local" / "variants_ok.csv").read_text(encoding="utf-8")
    return text.replace(",fixture", "," + LABEL)


@pytest.mark.parametrize(("codec", "name"), [
    ("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 with byte-order mark"), ("utf-16", "UTF-16"),
    ("utf-16-le", "UTF-16"), ("cp1252", "Windows-1252"),
])
def test_a_return_in_a_known_encoding_is_read_the_same(tmp_path, measures, codec, name):
    expected = read_local_return(_write(tmp_path / "utf8.csv", _return_text().encode("utf-8")), measures)
    path = _write(tmp_path / "return.csv", _return_text().encode(codec))
    frame = read_local_return(path, measures)
    pd.testing.assert_frame_equal(frame.drop(columns="file"), expected.drop(columns="file"))
    assert LABEL in set(frame["source"])
    assert read_csv_any(path, dtype=str).attrs["encoding"] == name


def test_latin1_pound_sign_is_windows_1252():
    text, name = decode_text("la_name,value\nDoncaster,£26\n".encode("latin-1"), "r.csv")
    assert (text, name) == ("la_name,value\nDoncaster,£26\n", "Windows-1252")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_an_unknown_encoding_names_the_line_and_the_fix(tmp_path, measures):
    lines = _return_text().encode("utf-8").split(b"\n")
    lines[2] = lines[2].replace(b"Re-referrals", b"Re-referrals \x81\x8d", 1)  # neither UTF-8 nor Windows-1252
    path = _write(tmp_path / "return.csv", b"\n".join(lines))
    with pytest.raises(InputDataError) as err:
        read_local_return(path, measures)
    msg = str(err.value)
    assert str(path) in msg and "unknown text encoding" in msg and "line 3" in msg
    assert "0x81" in msg and "CSV UTF-8" in msg


def test_a_workbook_saved_as_csv_is_named(tmp_path, measures):
    frame = pd.read_csv(FIXTURES / "local" / "variants_ok.csv", dtype=str)
    path = tmp_path / "return.csv"
    frame.to_excel(path, index=False, engine="openpyxl")
    with pytest.raises(InputDataError) as err:
        read_local_return(path, measures)
    msg = str(err.value)
    assert "an Excel workbook (.xlsx) saved with a .csv name" in msg and ".xlsx" in msg
    assert "codec" not in msg


def test_a_semicolon_separated_file_is_named(tmp_path, measures):
    text = _return_text().replace(",", ";")
    path = _write(tmp_path / "return.csv", text.encode("utf-8"))
    with pytest.raises(InputDataError) as err:
        read_local_return(path, measures)
    msg = str(err.value)
    assert "semicolon-separated" in msg and "comma" in msg and "CSV UTF-8" in msg
    assert "Expected 1 fields" not in msg


def test_binary_data_is_not_text(tmp_path):
    path = _write(tmp_path / "x.csv", b"la_code,value\nE08000017,1\n\x00\x01\x02\x00\x00\x00")
    with pytest.raises(InputDataError, match=r"(?s)not a text file.*line 3"):
        read_csv_any(path)


def test_referral_records_in_windows_1252_are_read(tmp_path):
    good = FIXTURES / "referrals" / "good.csv"
    text = good.read_text(encoding="utf-8")
    path = _write(tmp_path / f"cp1252_{good.name}", text.encode("cp1252"))
    utf16 = _write(tmp_path / f"utf16_{good.name}", text.encode("utf-16"))
    read = [read_referral_records(p)[0] for p in (good, path, utf16)]
    pd.testing.assert_frame_equal(read[0], read[1])
    pd.testing.assert_frame_equal(read[0], read[2])


def test_referral_records_saved_semicolon_separated_are_named(tmp_path):
    good = FIXTURES / "referrals" / "good.csv"
    path = _write(tmp_path / "records.csv", good.read_text(encoding="utf-8").replace(",", ";").encode())
    with pytest.raises(InputDataError, match="semicolon-separated"):
        read_referral_records(path)


def test_the_manifest_names_each_returns_encoding(tmp_path):
    from analysis.data.readers.encoding import text_encodings

    local = tmp_path / "data" / "raw" / "local"
    local.mkdir(parents=True)
    _write(local / "a.csv", _return_text().encode("cp1252"))
    _write(local / "b.csv", _return_text().encode("utf-8-sig"))
    _write(local / "c.csv", b"PK\x03\x04 a workbook")
    _write(local / "README.md", b"not a return")
    found = text_encodings(tmp_path, [local])
    assert found == {"data/raw/local/a.csv": "Windows-1252",
                     "data/raw/local/b.csv": "UTF-8 with byte-order mark",
                     "data/raw/local/c.csv": found["data/raw/local/c.csv"]}
    assert found["data/raw/local/c.csv"].startswith("not readable:") and "Excel workbook" in found["data/raw/local/c.csv"]
