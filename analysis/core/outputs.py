"""Where outputs may go: one check for every ``--output`` / ``--out``, made before any work.

An output is written only to a regular file or a new path (a file) or to a folder or a new
path (a folder). A device (``/dev/null``, ``/dev/full``), a socket, a named pipe, a path under
``/proc``, ``/sys`` or ``/dev``, an empty path, the wrong kind of thing (a folder for a file,
a file for a folder), a file name with the wrong suffix or a place that cannot be written is
refused with a :class:`~analysis.core.errors.ParameterError` naming the option and the fix.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from analysis.core.errors import ParameterError

#: Folders of the running system, never a place for an output.
SYSTEM_FOLDERS = (Path("/proc"), Path("/sys"), Path("/dev"))


def describe_file_type(mode: int) -> str:
    """What a path is, from its ``st_mode``: 'a folder', 'a device', 'a socket' ..."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    return "not a regular file"


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path("/")


def check_output_path(path: str | Path | None, *, kind: Literal["file", "folder"] = "file",
                      suffixes: Sequence[str] | None = None, parameter: str = "output") -> Path:
    """Return ``path`` as a Path if an output of ``kind`` may be written there; else raise.

    ``suffixes``: the file name endings allowed (e.g. ``(".csv", ".xlsx")``), any case.
    """
    option = f"--{parameter.replace('_', '-')}"
    if path is None or not str(path).strip():
        raise ParameterError("the output path is empty", parameter=parameter, found=repr(str(path or "")),
                             expected=f"a {kind} name", fix=f"give {option} a {kind} name")
    given = Path(path).expanduser()
    absolute = Path(os.path.abspath(given))
    resolved = absolute.resolve()
    for system in SYSTEM_FOLDERS:
        if absolute.is_relative_to(system) or resolved.is_relative_to(system):
            raise ParameterError(
                f"{given} is in {system}, a folder of the running system, not a place for outputs",
                parameter=parameter, found=str(given), expected=f"a {kind} in a folder of your own",
                fix=f"give {option} a path in a folder you can write to, e.g. outputs/")
    try:
        mode = resolved.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # new, or under a file: said below
        mode = None
    except OSError as exc:
        raise ParameterError(f"cannot use {given} for the output", parameter=parameter,
                             found=exc.strerror or str(exc),
                             fix=f"give {option} a path you can write to") from None
    wanted = stat.S_ISREG if kind == "file" else stat.S_ISDIR
    if mode is not None and not wanted(mode):
        expected = "a regular file or a new file name" if kind == "file" else "a folder or a new folder name"
        raise ParameterError(f"{given} is {describe_file_type(mode)}; the output would replace it",
                             parameter=parameter, expected=expected, found=describe_file_type(mode),
                             fix=f"give {option} a {'file name' if kind == 'file' else 'folder'} "
                                 "that is not used for anything else")
    if kind == "file" and suffixes:
        allowed = [s.lower() for s in suffixes]
        if given.suffix.lower() not in allowed:
            raise ParameterError(
                f"{given} does not end in {' or '.join(allowed)}", parameter=parameter,
                expected=" or ".join(allowed), found=given.suffix or "no suffix",
                fix=f"name the file e.g. {given.stem or 'output'}{allowed[0]}")
    existing = _nearest_existing(resolved if kind == "folder" else resolved.parent)
    if not existing.is_dir():
        raise ParameterError(f"{existing} is {describe_file_type(existing.stat().st_mode)}, not a folder",
                             parameter=parameter, found=str(existing), expected="a folder",
                             fix=f"give {option} a path inside a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ParameterError(f"cannot write in {existing}", parameter=parameter,
                             found=f"{existing} is not writable", expected="a folder you can write to",
                             fix=f"give {option} a path in a folder you can write to")
    return given


def check_replaceable(target: Path, kind: Literal["file", "folder"]) -> None:
    """Raise ParameterError if ``target`` exists and is not a ``kind`` (renaming over it
    would replace a device, a socket, a folder ...). Used by :mod:`analysis.core.atomic`."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise ParameterError(f"cannot write {target}", parameter="output",
                             found=exc.strerror or str(exc), fix="choose another output path") from None
    wanted = stat.S_ISREG if kind == "file" else stat.S_ISDIR
    if not wanted(mode):
        raise ParameterError(f"{target} is {describe_file_type(mode)}; an output never replaces it",
                             parameter="output",
                             expected="a regular file or a new path" if kind == "file" else "a folder or a new path",
                             found=describe_file_type(mode), fix="choose another output path")
