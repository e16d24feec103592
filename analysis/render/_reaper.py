"""Clean up after a browser whose parent may die: run as ``python _reaper.py FOLDER``.

The PDF renderer starts this script (in a session of its own) before it starts Chromium with
its profile and temporary files in FOLDER, and holds the write end of the script's standard
input. When that pipe closes, however the renderer ended (finished, raised, killed with
SIGKILL), the script kills every process still running with ``TMPDIR=FOLDER`` in its
environment (the browser and its helpers; Linux's /proc) and removes FOLDER.

Standard library only, run by file path: it starts in a few milliseconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path


def processes_using(folder: Path) -> list[int]:
    """Processes with ``TMPDIR=folder`` in their environment (empty where there is no /proc)."""
    wanted = f"TMPDIR={folder}".encode()
    found: list[int] = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if wanted in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def reap(folder: Path, grace: float = 3.0) -> None:
    """Let the browser exit on its own for up to ``grace`` seconds, then kill what is left
    and remove ``folder``."""
    deadline = time.monotonic() + grace
    while processes_using(folder) and time.monotonic() < deadline:
        time.sleep(0.1)
    for _ in range(20):
        left = processes_using(folder)
        if not left:
            break
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    for _ in range(10):
        shutil.rmtree(folder, ignore_errors=True)
        if not folder.exists():
            return
        time.sleep(0.2)


def main(argv: list[str]) -> int:
    folder = Path(argv[1]).resolve()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the renderer; wait for the pipe
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    reap(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
