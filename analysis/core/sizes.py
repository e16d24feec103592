"""How big an input file may be before the toolkit refuses it, checked before it is read.

A local return or run file is a few kilobytes; one of hundreds of megabytes is the wrong file
(an export of everything, a database dump), and reading it whole would take gigabytes of
memory before it could be refused. :func:`check_file_size` looks at its size on disk only.
"""

from __future__ import annotations

from pathlib import Path

from analysis.core.errors import InputDataError

#: The largest local return or run file the toolkit reads, in megabytes (10**6 bytes).
MAX_INPUT_MB = 50


def size_text(size: int) -> str:
    """A size in bytes as a reader would say it: "200.0 MB", "12 kB"."""
    if size >= 10**6:
        return f"{size / 10**6:.1f} MB"
    return f"{max(1, round(size / 1000))} kB"


def check_file_size(path: Path, what: str, *, limit_mb: int = MAX_INPUT_MB, usual: str = "") -> None:
    """Raise an :class:`InputDataError` naming ``path`` when it is larger than ``limit_mb``,
    before anything of it is read. ``what`` says what the file should be ("a local quarterly
    return"), ``usual`` how big one usually is."""
    size = path.stat().st_size
    if size <= limit_mb * 10**6:
        return
    usual_text = f" ({usual})" if usual else ""
    raise InputDataError(
        f"the file is too large to be {what}: {size_text(size)}, more than the {limit_mb} MB the "
        f"toolkit reads", file=path, expected=f"{what} of at most {limit_mb} MB{usual_text}",
        found=size_text(size),
        fix="check that this is the right file; a file this size is not read")
