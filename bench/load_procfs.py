"""Memory and CPU of the served dashboard and of the load clients, read from /proc (Linux only).

The load run reports what the server costs (resident memory over time, CPU
seconds) beside what the clients cost, measured in the same run, so a figure
taken on a busy shared machine can still be read as a ratio.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """Fields of /proc/PID/stat after the command name (which may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2:].split()


def cpu_s(pid: int, children: bool = False) -> float:
    """User + system CPU seconds of a process (and of its waited-for children when asked)."""
    fields = _stat_fields(pid)  # fields[11:15] = utime, stime, cutime, cstime
    ticks = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if children else 0)
    return ticks / TICKS


def tree_cpu_s(root: int, exclude: int) -> float:
    """CPU seconds of ``root`` (with children it has reaped) and its live descendants, except ``exclude``'s tree."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat_fields(int(entry.name))[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid != exclude and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    total = 0.0
    for pid in tree:
        try:
            total += cpu_s(pid, children=True)
        except OSError:
            continue
    return total


class ProcessSampler(threading.Thread):
    """Resident memory of one process every 0.25 s: peak, last value and a coarse timeline."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.stop = pid, every, threading.Event()
        self.samples: list[tuple[float, float]] = []
        self.peak_mb = self.last_mb = 0.0
        self.started = time.monotonic()
        self.load_before = [round(v, 2) for v in os.getloadavg()]

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_s(self) -> float:
        return cpu_s(self.pid)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                value = self.rss_mb()
            except OSError:
                return
            self.samples.append((time.monotonic() - self.started, value))
            self.peak_mb, self.last_mb = max(self.peak_mb, value), value
            self.stop.wait(self.every)

    def timeline(self, step: float) -> list[int]:
        """Peak RSS (MB) in each ``step``-second slice of the run."""
        slices: dict[int, float] = {}
        for at, value in self.samples:
            slot = int(at // step)
            slices[slot] = max(slices.get(slot, 0.0), value)
        return [round(slices.get(i, 0.0)) for i in range(max(slices, default=-1) + 1)]
