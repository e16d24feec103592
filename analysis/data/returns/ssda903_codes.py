"""The SSDA903 return's code lists (``config/ssda903_codes.yaml``) and the check of a file's
codes against them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.config import read_yaml
from analysis.core.errors import InputDataError

CODES_FILE = "ssda903_codes.yaml"


@dataclass(frozen=True)
class FieldCodes:
    """The codes one field of the return may hold."""

    name: str
    codes: frozenset[str]
    blank_allowed: bool


@dataclass(frozen=True)
class CodeLists:
    """Every field's codes, and the return years they are the guide's codes for."""

    years: tuple[int, ...]
    fields: dict[str, FieldCodes]
    path: Path


def load_code_lists(config_dir: Path) -> CodeLists:
    """Read ``config/ssda903_codes.yaml``."""
    path = config_dir / CODES_FILE
    data = read_yaml(path)
    fields = {
        name.upper(): FieldCodes(name.upper(), frozenset(str(c) for c in spec["codes"]),
                                 bool(spec.get("blank_allowed", False)))
        for name, spec in data["fields"].items()
    }
    return CodeLists(tuple(int(y) for y in data["years"]), fields, path)


def _shown(codes: frozenset[str], limit: int = 40) -> str:
    ordered = sorted(codes)
    more = f" and {len(ordered) - limit} more" if len(ordered) > limit else ""
    return ", ".join(ordered[:limit]) + more


def check_codes(frame: pd.DataFrame, lists: CodeLists, *, file: str, year: int) -> None:
    """Refuse a file holding a code its field's list does not have (or a blank where the
    guide wants a code), naming the file, column, rows, the codes found and those expected."""
    if year not in lists.years:
        raise InputDataError(
            f"there is no SSDA903 code list for the return year ending 31 March {year}",
            file=file, expected=f"a return of the years {', '.join(map(str, lists.years))}",
            found=str(year),
            fix=f"add that year's codes from DfE's return guide to {lists.path.name}")
    for column in frame.columns:
        spec = lists.fields.get(column.upper())
        if spec is None:
            continue
        values = frame[column].astype("string").str.strip()
        blank = values.isna() | (values == "")
        bad = ~blank & ~values.isin(spec.codes)
        if not spec.blank_allowed:
            bad |= blank
        if bad.any():
            rows = (frame.index[bad.to_numpy()] + 2).tolist()
            found = sorted(values[bad].fillna("").replace("", "(blank)").unique())
            raise InputDataError(
                f"{column.upper()} holds codes that are not in DfE's code list",
                file=file, column=column.upper(), rows=rows,
                expected=f"one of {_shown(spec.codes)}"
                         + (" or blank" if spec.blank_allowed else ""),
                found=", ".join(found[:10]),
                fix=f"correct the codes in the file (the list is in {lists.path.name}, from "
                    "DfE's children looked after return guide)")
