"""The raw files are what was published: check them against the sha256 recorded for each.

``config/sources.yaml`` is the one place that records each raw file's sha256. ``prepare``
calls :func:`verify_raw_files` before reading anything, so a file changed by one byte (by
hand, by a bad copy, by anyone) is refused with its name and the way to accept a new
publication. :func:`record_hash` is that way: ``fetch --accept-new`` (a download) and
``accept`` (a file put in place by hand) record the new hash and regenerate the table of
files in ``data/raw/dfe/README.md`` (:func:`write_readme_table`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from analysis.core.atomic import atomic_path, sha256_file
from analysis.core.config import Paths, Sources, load_sources
from analysis.core.errors import InputDataError, ParameterError

README = Path("dfe") / "README.md"
TABLE_START = "<!-- files table: generated from config/sources.yaml by `python -m analysis sources`; do not edit -->"
TABLE_END = "<!-- end of files table -->"


def accept_command(rel: str, has_url: bool) -> str:
    """The command that accepts a new publication of ``rel``."""
    if has_url:
        return f"python -m analysis fetch --accept-new --only {rel}"
    return f"python -m analysis accept {rel}"


def verify_raw_files(paths: Paths, only: Iterable[str] | None = None) -> dict[str, str]:
    """Check every raw file in config/sources.yaml (or ``only``) against its recorded sha256.

    Returns ``{relative path: sha256}``. Raises InputDataError naming the first file that is
    missing or changed (and how many others are), with how to restore or accept it.
    """
    sources = load_sources(paths.config)
    names = list(only) if only is not None else list(sources.files)
    found: dict[str, str] = {}
    changed: list[str] = []
    missing: list[str] = []
    for rel in names:
        spec = sources.files.get(rel)
        path = paths.raw / rel
        if spec is None:
            continue
        if not path.is_file():
            missing.append(rel)
            continue
        digest = sha256_file(path)
        found[rel] = digest
        if digest != spec.sha256:
            changed.append(rel)
    if missing:
        rel = missing[0]
        others = f" ({len(missing) - 1} other file(s) missing too)" if len(missing) > 1 else ""
        raise InputDataError(
            f"raw data file not found{others}", file=f"data/raw/{rel}",
            expected="the published file listed in config/sources.yaml",
            fix=(f"download it again with `python -m analysis fetch --only {rel}`"
                 if sources.files[rel].url else "restore it with `git checkout -- data/raw/`"),
        )
    if changed:
        rel = changed[0]
        spec = sources.files[rel]
        others = f" ({len(changed) - 1} other file(s) changed too)" if len(changed) > 1 else ""
        restore = (f"restore the published copy with `python -m analysis fetch --only {rel}`"
                   if spec.url else "restore it with `git checkout -- data/raw/`")
        raise InputDataError(
            f"raw file differs from the published copy recorded in config/sources.yaml{others}",
            file=f"data/raw/{rel}", expected=f"sha256 {spec.sha256}", found=f"sha256 {found[rel]}",
            fix=f"{restore}; if it is a new publication you mean to use, "
                f"`{accept_command(rel, bool(spec.url))}` records its sha256",
        )
    return found


_HEX = re.compile(r"[0-9a-f]{64}")


def record_hash(paths: Paths, rel: str, sha256: str) -> None:
    """Record ``sha256`` for ``rel`` in config/sources.yaml (the file's comments and layout
    kept) and regenerate the table in data/raw/dfe/README.md."""
    if not _HEX.fullmatch(sha256):
        raise ParameterError("not a sha256 digest", parameter="sha256", found=sha256,
                             expected="64 lower-case hexadecimal digits")
    path = paths.config / "sources.yaml"
    text = path.read_text(encoding="utf-8")
    entry = re.compile(rf"(^  {re.escape(rel)}:\n(?:    .*\n)*?    sha256: )[0-9a-f]{{64}}", re.MULTILINE)
    new, count = entry.subn(lambda m: m.group(1) + sha256, text, count=1)
    if count != 1:
        raise ParameterError(f"not in config/sources.yaml: {rel}", parameter="file",
                             expected="a path as listed in config/sources.yaml, e.g. dfe/cin/c1_...csv",
                             found=rel)
    with atomic_path(path) as tmp:
        tmp.write_text(new, encoding="utf-8")
    load_sources.cache_clear()
    if (paths.raw / README).exists():
        write_readme_table(paths)


def accept_files(paths: Paths, names: list[str]) -> list[tuple[str, str, str]]:
    """Record the current sha256 of raw files placed by hand (a new publication).

    Returns ``(path, old sha256, new sha256)`` for each."""
    sources = load_sources(paths.config)
    unknown = [n for n in names if n not in sources.files]
    if unknown:
        raise ParameterError(f"not in config/sources.yaml: {', '.join(unknown)}", parameter="file",
                             expected="paths as listed in config/sources.yaml, e.g. dfe/cin/c1_...csv",
                             fix="add the file's entry (publication, url, format) to config/sources.yaml first")
    done = []
    for rel in names:
        path = paths.raw / rel
        if not path.is_file():
            raise InputDataError("raw file missing", file=f"data/raw/{rel}",
                                 fix="put the new publication there first")
        old = load_sources(paths.config).files[rel].sha256
        new = sha256_file(path)
        if new != old:
            record_hash(paths, rel, new)
        done.append((rel, old, new))
    return done


def sources_table(sources: Sources) -> str:
    """The Markdown table of every raw file with its publication and sha256."""
    lines = ["| file | publication | sha256 |", "| --- | --- | --- |"]
    for rel, spec in sources.files.items():
        publication = " ".join(spec.publication.split()).replace("|", "\\|")
        lines.append(f"| `{rel}` | {publication} | `{spec.sha256}` |")
    return "\n".join(lines)


def readme_with_table(readme: str, sources: Sources) -> str:
    """``readme`` with the generated table between its markers."""
    start, end = readme.find(TABLE_START), readme.find(TABLE_END)
    if start < 0 or end < start:
        raise InputDataError("the generated table's markers are missing", file=f"data/raw/{README}",
                             expected=f"{TABLE_START} ... {TABLE_END}",
                             fix="restore the README with `git checkout -- data/raw/dfe/README.md`")
    return readme[:start] + TABLE_START + "\n" + sources_table(sources) + "\n" + readme[end:]


def write_readme_table(paths: Paths) -> bool:
    """Regenerate the table in data/raw/dfe/README.md; True if it changed."""
    path = paths.raw / README
    text = path.read_text(encoding="utf-8")
    new = readme_with_table(text, load_sources(paths.config))
    if new == text:
        return False
    with atomic_path(path) as tmp:
        tmp.write_text(new, encoding="utf-8")
    return True
