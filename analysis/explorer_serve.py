"""Serve the benchmark explorer notebook as a web page with Voilà (``make explorer``).

Voilà runs the notebook in a fresh kernel for each visitor and shows only its widgets and
outputs. The settings here (see :data:`VOILA_SETTINGS`) keep the page read-only:

- code hidden (``strip_sources``) and no tracebacks on the page (``show_tracebacks``);
- no files served from the notebook's folder (``file_allowlist`` matches nothing);
- the page's kernel connection accepts only widget (comm) messages: Voilà's kernel manager
  drops ``execute_request`` and every other message type, so nothing typed into the page
  runs as code; the widgets take names and choices, never file paths;
- listening on 127.0.0.1 unless told otherwise.

Only notebooks inside the project's ``notebooks/`` folder are served.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from analysis.config import Paths
from analysis.errors import AnalysisError, ParameterError

DEFAULT_NOTEBOOK = "notebooks/explorer.ipynb"
DEFAULT_PORT = 8866
DEFAULT_IP = "127.0.0.1"

#: Voilà options that make the served page read-only (module docstring).
VOILA_SETTINGS: tuple[str, ...] = (
    "--no-browser",
    "--strip_sources=True",
    "--show_tracebacks=False",
    "--VoilaConfiguration.file_allowlist=a^",  # a pattern that matches no file name
    "--VoilaConfiguration.file_denylist=.*",
    "--theme=light",
)


def notebook_path(given: str | Path, paths: Paths | None = None) -> Path:
    """The notebook to serve, refused unless it is an existing .ipynb inside notebooks/."""
    paths = paths or Paths.for_root()
    folder = paths.notebooks.resolve()
    candidate = Path(given)
    if not candidate.is_absolute():
        candidate = paths.root / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(folder) or resolved.suffix != ".ipynb":
        raise ParameterError("only notebooks in the project's notebooks/ folder are served",
                             parameter="notebook", expected=f"a .ipynb file inside {folder}",
                             found=str(given), fix=f"serve {DEFAULT_NOTEBOOK} (the default)")
    if not resolved.is_file():
        raise ParameterError("no such notebook", parameter="notebook",
                             expected=f"a .ipynb file inside {folder}", found=str(given),
                             fix="run `make explorer` without NOTEBOOK= to serve the explorer")
    return resolved


def voila_command(notebook: Path, *, port: int = DEFAULT_PORT, ip: str = DEFAULT_IP,
                  base_url: str = "/") -> list[str]:
    """The Voilà command line that serves ``notebook`` read-only."""
    voila = shutil.which("voila", path=str(Path(sys.executable).parent)) or shutil.which("voila")
    if voila is None:
        raise ParameterError("Voilà is not installed", parameter="voila",
                             fix="run `make install` (it installs voila with the toolkit)")
    return [voila, str(notebook), f"--port={port}", f"--Voila.ip={ip}",
            f"--Voila.base_url={base_url}", *VOILA_SETTINGS]


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.explorer_serve [NOTEBOOK] [--port N] [--ip ADDRESS]``."""
    parser = argparse.ArgumentParser(prog="python -m analysis.explorer_serve",
                                     description="Serve the benchmark explorer as a web page.")
    parser.add_argument("notebook", nargs="?", default=DEFAULT_NOTEBOOK)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--ip", default=DEFAULT_IP, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--base-url", default="/", help="path prefix behind a reverse proxy")
    args = parser.parse_args(argv)
    try:
        command = voila_command(notebook_path(args.notebook), port=args.port, ip=args.ip,
                                base_url=args.base_url)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"Serving the explorer at http://{args.ip}:{args.port}{args.base_url} (Ctrl-C stops it)",
          flush=True)
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return


if __name__ == "__main__":
    sys.exit(main())
