"""Serve the dashboard on 127.0.0.1 and a free port, for browser tests, screenshots and load runs.

One implementation of ../shared/BROWSER.md's recipe: start ``streamlit run`` headless,
poll ``/_stcore/health`` until it answers ``ok``, and terminate (then kill) the process we
started — never by name.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, env: dict[str, str], timeout: float = 60) -> subprocess.Popen:
    """Start the dashboard and wait until it is healthy (or fail with its output)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.read().decode().strip() == "ok":
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"dashboard did not start: {proc.stdout.read().decode(errors='replace')[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def served(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """(base URL, process) of a dashboard served for the duration of the block."""
    port = free_port()
    proc = serve(port, env)
    try:
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop(proc)
