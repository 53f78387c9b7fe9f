#!/usr/bin/env python3
"""Bootstrap with nothing but Python 3.11+: `python3 dev.py run`, `test` or `lint`.

Creates .venv, installs Sada into it (with test extras for `test` and `lint`), then runs
the demo, the whole test suite, or the lint and type checks (ruff check, ruff format
--check, mypy). Extra arguments go to `sada demo` / pytest; `test` runs pytest on up to
four processes (pytest-xdist) unless the arguments say `-n …`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Sada needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'base'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    print(f"installing sada-cx{extras} into .venv ...", flush=True)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run(
        [str(PY), "-m", "pip", "install", "-q", "-e", f".{extras}"], cwd=ROOT, check=True
    )
    stamp.touch()


RUN_HELP = """usage: python3 dev.py run [OPTIONS]

Seed the demo workspace (first run only) and serve it; the options go to `sada demo`:
  --people N            how many people to create (default 20000)
  --interactions N      how many interactions (default: 15 per person)
  --serve / --no-serve  serve the app after seeding (default: serve)
  --host HOST           interface to listen on (default 127.0.0.1)
  --port PORT           port to listen on (default 8000); links use it unless SADA_BASE_URL is set
  --reset               delete the existing demo workspace first
  --seed N              random seed (default 7)
"""


def run_help() -> int:
    """Help for `run` without installing anything first (the full text once .venv exists)."""
    if (BIN / "sada").exists():
        return subprocess.call([str(BIN / "sada"), "demo", "--help"], cwd=ROOT)
    print(RUN_HELP)
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "lint"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run" and ("--help" in rest or "-h" in rest):
        return run_help()
    if command == "run":
        ensure_venv("")
        return subprocess.call([str(BIN / "sada"), "demo", *rest], cwd=ROOT)
    ensure_venv("[test]")
    if command == "lint":
        checks = [
            [str(PY), "-m", "ruff", "check", "sada", "tests", "bench", "scripts"],
            [str(PY), "-m", "ruff", "format", "--check", "sada", "tests", "bench", "scripts"],
            [str(PY), "-m", "mypy", "sada"],
        ]
        return max(subprocess.call(check, cwd=ROOT) for check in checks)
    return subprocess.call([str(PY), "-m", "pytest", *pytest_args(rest)], cwd=ROOT)


def pytest_args(rest: list[str]) -> list[str]:
    """The suite on up to four processes (pytest-xdist), one test file per process at a time.

    Each process opens its own SQLite file and PostgreSQL database (tests/conftest.py), and
    a file's module-scoped servers and browsers stay in one process (`--dist loadfile`).
    Passing `-n …` (or `-p no:xdist`) yourself overrides this; `-n 0` runs in one process.
    """
    if any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist" for a in rest):
        return rest
    workers = min(4, os.cpu_count() or 1)
    return ["-n", str(workers), "--dist", "loadfile", *rest]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
