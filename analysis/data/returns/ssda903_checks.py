"""Checks of SSDA903 files that look across rows, files and years (dates out of order, a file
of the wrong year, a child with two dates of birth) and the combining of several years'
returns into one version of each record.

Each refuses input that would mislead with an :class:`InputDataError` naming the files,
columns and rows, never a child's identifier.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.core.errors import InputDataError

#: Per file kind: the date column that must fall within the return's year.
_IN_YEAR = {"reviews": "review", "missing": "mis_start"}

#: Files with one record per child: a later year's record replaces an earlier one.
_PER_CHILD = ("header", "uasc")


def year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """1 April of ``year - 1`` and 31 March of ``year``."""
    return pd.Timestamp(dt.date(year - 1, 4, 1)), pd.Timestamp(dt.date(year, 3, 31))


def _rows(mask: pd.Series) -> list[int]:
    return (mask.index[mask.to_numpy()] + 2).tolist()


def check_year_of_file(kind: str, frame: pd.DataFrame, year: int, *, file: str) -> None:
    """Refuse a file holding records outside its return year (1 April to 31 March): episodes
    starting after the year or ended before it, reviews or missing episodes out of the year."""
    start, end = year_bounds(year)
    checks: list[tuple[str, pd.Series, str]] = []
    if kind == "episodes":
        checks.append(("decom", frame["decom"] > end, "episodes starting on or before"))
        checks.append(("dec", frame["dec"].notna() & (frame["dec"] < start),
                       "episodes ending on or after 1 April before"))
    elif kind in _IN_YEAR:
        column = _IN_YEAR[kind]
        checks.append((column, frame[column].notna() & ((frame[column] < start)
                                                        | (frame[column] > end)),
                       "dates within the year to"))
    for column, bad, wanted in checks:
        if bad.any():
            raise InputDataError(
                f"the file holds records outside its return year ({start:%d/%m/%Y} to "
                f"{end:%d/%m/%Y})", file=file, column=column.upper(), rows=_rows(bad),
                expected=f"{wanted} 31 March {year}, as the year in the file's name says",
                found=f"{int(bad.sum()):,} row{'s' if bad.sum() != 1 else ''} outside it, "
                      f"e.g. {frame.loc[bad, column].iloc[0]:%d/%m/%Y}",
                fix="check that the file is the return of the year in its name (rename it "
                    "with its year), or correct the dates")


def check_dates_in_order(frame: pd.DataFrame, *, file: str) -> None:
    """Refuse episodes ending before they start, and a child's episodes that overlap (an
    episode starting before the child's previous one ended)."""
    backwards = frame["dec"].notna() & (frame["dec"] < frame["decom"])
    if backwards.any():
        raise InputDataError(
            "episodes end before they start", file=file, column="DEC", rows=_rows(backwards),
            expected="DEC on or after DECOM", found=f"{int(backwards.sum()):,} such rows",
            fix="correct DECOM or DEC in those rows")
    ordered = frame.sort_values(["child", "decom", "dec"], kind="stable", na_position="last")
    previous_end = ordered.groupby("child", sort=False)["dec"].shift()
    has_previous = ordered.groupby("child", sort=False).cumcount() > 0
    overlap = has_previous & (previous_end.isna() | (ordered["decom"] < previous_end))
    if overlap.any():
        overlap = overlap.reindex(frame.index, fill_value=False)
        raise InputDataError(
            "a child's episodes overlap: an episode starts before the previous one ended",
            file=file, column="DECOM", rows=_rows(overlap),
            expected="each episode of a child starting on or after the previous one's DEC",
            found=f"{int(overlap.sum()):,} such rows",
            fix="give the earlier episode its DEC (the day the next one starts) or correct "
                "DECOM")


def check_one_birth_date(read: dict[str, list[pd.DataFrame]]) -> None:
    """Refuse a child given two different dates of birth (in one file or across files and
    years)."""
    parts = [pd.DataFrame({"child": f["child"], "dob": f["dob"], "file": f["source_file"],
                           "row": f.index + 2})
             for frames in read.values() for f in frames if "dob" in f.columns]
    if not parts:
        return
    births = pd.concat(parts, ignore_index=True).dropna(subset=["child", "dob"])
    counts = births.groupby("child")["dob"].transform("nunique")
    clash = births[counts > 1]
    if clash.empty:
        return
    first = clash[clash["child"] == clash["child"].iloc[0]]
    where = "; ".join(f"{f} row {r}" for f, r in zip(first["file"], first["row"], strict=True))
    raise InputDataError(
        f"{clash['child'].nunique():,} child{'ren have' if clash['child'].nunique() > 1 else ' has'}"
        " two or more dates of birth", file=first["file"].iloc[0], column="DOB",
        rows=first["row"].tolist()[:1],
        expected="one date of birth for each child across every file and year",
        found=f"different dates of birth for one child in {where}",
        fix="correct DOB so that every file and year gives the child the same date")


def latest_episodes(frame: pd.DataFrame) -> pd.DataFrame:
    """Each child's episodes as the latest return holding the child gives them, with an
    earlier return's episodes kept only where they start before every later return's
    episodes of the child (the history the later returns no longer carry)."""
    firsts = (frame.groupby(["child", "return_year"], as_index=False)["decom"].min()
              .sort_values(["child", "return_year"], ascending=[True, False], kind="stable"))
    later = firsts.groupby("child")["decom"].shift()
    firsts["later_start"] = later.groupby(firsts["child"]).cummin()
    frame = frame.merge(firsts[["child", "return_year", "later_start"]],
                        on=["child", "return_year"], how="left")
    keep = frame["later_start"].isna() | (frame["decom"] < frame["later_start"])
    return frame[keep].drop(columns="later_start")


def check_years_agree(frame: pd.DataFrame) -> None:
    """Refuse an earlier return's episode that runs into a later return's episodes of the
    same child (an episode amended in the later return without its earlier version's end)."""
    ordered = frame.sort_values(["child", "decom", "dec"], kind="stable", na_position="last")
    by = ordered.groupby("child", sort=False)
    previous_end = by["dec"].shift()
    previous_file = by["source_file"].shift()
    clash = ((by.cumcount() > 0) & (previous_file != ordered["source_file"])
             & (previous_end.isna() | (ordered["decom"] < previous_end)))
    if clash.any():
        first = clash.to_numpy().nonzero()[0][0]
        files = [str(previous_file.iloc[first]), str(ordered["source_file"].iloc[first])]
        raise InputDataError(
            "an episode of an earlier return runs into a later return's episodes of the same "
            "child", file=files[0], column="DEC",
            expected="the later return to end the earlier episode, or to carry it amended",
            found=f"{int(clash.sum()):,} such episodes, e.g. one in {files[0]} open past the "
                  f"start of an episode in {files[1]}",
            fix="send the later return with the child's earlier episodes as amended, or "
                "correct the earlier return's DEC")


def combine_years(kind: str, frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    """One version of each record from several years' files: two files of one kind for one
    year are refused; a later year's record of a child (header, uasc) or of an episode (child,
    start date and its order among that day's episodes) replaces an earlier year's."""
    years = pd.Series([int(f["return_year"].iloc[0]) for f in frames if len(f)],
                      dtype="int64")
    named = [str(f["source_file"].iloc[0]) for f in frames if len(f)]
    twice = years[years.duplicated(keep=False)]
    if not twice.empty:
        files = [n for n, y in zip(named, years, strict=True) if y == twice.iloc[0]]
        raise InputDataError(
            f"two {kind} files for the return year ending 31 March {twice.iloc[0]}",
            file=files[0], expected=f"one {kind} file per return year",
            found=", ".join(files), fix="remove the older file, or fix the year in a name")
    keep = [c.lower() for c in columns] + ["return_year", "source_file"]
    frame = pd.concat(frames, ignore_index=True)[keep] if frames else pd.DataFrame(columns=keep)
    frame = frame.sort_values("return_year", kind="stable")
    if kind in _PER_CHILD:
        frame = frame.drop_duplicates("child", keep="last")
    elif kind == "episodes":
        frame = latest_episodes(frame)
        check_years_agree(frame)
    return frame.sort_values(["child"] + (["decom"] if kind == "episodes" else []),
                             kind="stable").reset_index(drop=True)
