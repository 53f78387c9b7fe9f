"""Child processes of tests (workers, servers) whose output goes to a file, never to a pipe.

A pipe that the test reads only at the end holds 64 KiB: a worker that logs more than that
while the test waits (the connection errors of a database outage, with their tracebacks)
blocks in `write()` on its event loop or job thread, and looks stalled. A file never fills.
"""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any


def start_logged(args: list[str], log: Path, **popen: Any) -> subprocess.Popen[bytes]:
    """Start `args` with stdout and stderr appended to `log` (read it with `output`)."""
    with log.open("ab") as out:  # the child keeps its own descriptor
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **popen)
    process.log_path = log  # type: ignore[attr-defined]
    return process


def output(process: subprocess.Popen[bytes]) -> str:
    """Everything the process wrote so far."""
    log: Path = process.log_path  # type: ignore[attr-defined]
    return log.read_text(errors="replace") if log.exists() else ""


def wait_output(process: subprocess.Popen[bytes], timeout: float) -> str:
    """Wait for the process to exit (TimeoutExpired after `timeout` s); its output."""
    process.wait(timeout=timeout)
    return output(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 60) -> str:
    """SIGTERM, wait up to `timeout` s (then SIGKILL); its output."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return output(process)
