"""Atomic writes: write to a temporary path beside the target, then rename over it.

Safe under concurrency: several processes may write the same target at once; each
finishes, and the last one to complete wins (never a mix, never an error from another
writer's rename). A temporary folder is locked (``flock``) while it is in use, so a later
run can tell one left behind by a killed run from one still being written, and sweeps the
former (:func:`sweep_stale`). Nothing is ever renamed over a device, socket or other
non-regular file (:func:`analysis.core.outputs.check_replaceable`).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from analysis.core.errors import OutputError
from analysis.core.outputs import check_replaceable

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: staleness by age alone
    fcntl = None  # type: ignore[assignment]

#: A temporary folder that nobody holds locked and that is older than this is stale (the margin
#: covers only the moment between a run making its folder and locking it).
STALE_SECONDS = 10.0
#: Without locks (Windows), only temporary folders older than this are swept.
STALE_SECONDS_UNLOCKED = 24 * 3600.0


def _output_error(action: str, path: Path, exc: OSError) -> OutputError:
    return OutputError(
        f"cannot {action}", where=str(path), found=exc.strerror or str(exc),
        fix="check that you can write there (permissions, an immutable or read-only folder, "
            "free space) or choose another output path")


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary file path; on success it replaces ``target``, on error it is removed.

    ParameterError if ``target`` is a device, folder, socket ...; OutputError if it cannot be
    written. Errors raised by the caller's block pass through unchanged.
    """
    check_replaceable(target, "file")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _output_error("write a file in this folder", target.parent, exc) from None
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        yield tmp
        check_replaceable(target, "file")  # nothing turned it into something else meanwhile
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _output_error("replace the file", target, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _lock(folder: Path) -> int | None:
    """Hold an exclusive lock on ``folder`` (POSIX); the descriptor to close when done."""
    if fcntl is None:
        return None
    fd = os.open(folder, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _in_use(path: Path) -> bool:
    """True if a live process holds ``path`` (a temporary folder) locked."""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True  # gone, or not ours to judge
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing releases the lock if we took it
    return False


def sweep_stale(target: Path, older_than: float | None = None) -> list[Path]:
    """Remove the hidden ``.<name>.*.tmp`` folders beside ``target`` that a killed run left
    behind: not locked by a live process and not touched for ``older_than`` seconds (default
    :data:`STALE_SECONDS`). Files are left alone (:func:`atomic_path`'s temporary files are
    not locked). Returns what was removed."""
    limit = older_than if older_than is not None else (
        STALE_SECONDS if fcntl is not None else STALE_SECONDS_UNLOCKED)
    removed: list[Path] = []
    now = time.time()
    try:
        candidates = list(target.parent.glob(f".{_glob_escape(target.name)}.*.tmp"))
    except OSError:
        return removed
    for path in candidates:
        try:
            info = path.lstat()
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or now - info.st_mtime < limit or _in_use(path):
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target`` (old one removed).

    Several writers of one target at once all succeed; the last to finish wins. Stale
    temporary folders of killed runs beside ``target`` are swept first.
    """
    check_replaceable(target, "folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    except OSError as exc:
        raise _output_error("make a folder here", target.parent, exc) from None
    lock = _lock(tmp)
    try:
        sweep_stale(target)
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        _move_into_place(tmp, target)
    finally:
        if lock is not None:
            os.close(lock)
        _remove_tree(tmp)


def _move_into_place(tmp: Path, target: Path, attempts: int = 50) -> None:
    """Rename ``tmp`` to ``target``, moving an existing ``target`` aside first (to a unique
    hidden name, removed afterwards). Another writer may do the same at the same moment:
    whoever renames last wins, and nobody fails because the other moved a folder first."""
    for _ in range(attempts):
        check_replaceable(target, "folder")
        try:
            os.rename(tmp, target)  # POSIX: succeeds if target is missing (or an empty folder)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise _output_error("put the new folder in place", target, exc) from None
        old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}.old.tmp")
        try:
            os.rename(target, old)
        except FileNotFoundError:
            continue  # another writer moved it aside first: try again
        except OSError as exc:
            raise _output_error("replace the previous folder", target, exc) from None
        _remove_tree(old)
    raise OutputError("could not put the new folder in place: other runs kept replacing it",
                      where=str(target), fix="run one at a time")


def _remove_tree(folder: Path, attempts: int = 5) -> None:
    """Remove a temporary folder, retrying while something (a chart still being saved in
    the background by a failed run) adds files to it. What cannot be removed is left for
    :func:`sweep_stale`."""
    for attempt in range(attempts):
        if not folder.exists():
            return
        shutil.rmtree(folder, ignore_errors=True)
        time.sleep(0.2 * attempt)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()
