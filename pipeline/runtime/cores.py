"""Which cores a worker's process runs on (`WIREWATCH_CPUS`, `WIREWATCH_PIN_CORES`).

Split in two (pipeline/runtime/split.py), the pipeline waits on the event stage's worker:
a single writer, one interpreter, the one part that cannot scale out. Left to the
scheduler, the other worker's threads share its core with it, and its batches take a
fifth longer while both work. Given a core of its own (the last one the parent may use),
with the other worker on the rest, the static lane's 5,000-article benchmark ran 689 to
740 articles/s against 646 to 711 over six alternated pairs (mean +5 %;
docs/performance.md, "2026-12-06, late evening"). Pinning the event stage's worker alone
gained nothing: it is keeping the other worker off that core that counts.

The model's threads and its lanes' processes (pipeline/runtime/services.py,
pipeline/embedding/process.py) may use every core the worker could use before: where the
model is the limit, it needs them all (MiniLM's lanes held to one core ran the pipeline
at 0.51x its raw encode instead of 0.98x). So may an embedded broker a worker starts: it
serves both workers.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

_RANGE = re.compile(r"(\d+)(?:-(\d+))?")
# Where `pin` leaves the cores the process could use before, for `unpin` in the model's
# threads and processes and a detached broker.
_BEFORE = "WIREWATCH_CPUS_BEFORE_PIN"


def parse_cpus(text: str) -> frozenset[int]:
    """ "0-2,5" -> {0, 1, 2, 5}; "" -> none (any core)."""
    cpus: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        listed = _RANGE.fullmatch(part)
        first = int(listed.group(1)) if listed else 1
        last = int(listed.group(2) or first) if listed else 0  # not a range: refused below
        if last < first:
            raise ValueError(f"cores are listed as 0-2,5; got {text!r}")
        cpus.update(range(first, last + 1))
    return frozenset(cpus)


def format_cpus(cpus: Iterable[int]) -> str:
    return ",".join(str(cpu) for cpu in sorted(cpus))


def split_cpus(groups: Sequence[str], available: Iterable[int]) -> list[str]:
    """Each group of stages' cores (`WIREWATCH_CPUS`): the worker of the event stage alone
    gets the last available core, the workers without it the others; "" (any core) for
    every worker where none runs the event stage alone, or with fewer than two cores."""
    cores = sorted(available)
    if len(cores) < 2 or "events" not in groups:
        return [""] * len(groups)
    own, rest = format_cpus(cores[-1:]), format_cpus(cores[:-1])
    return [
        own if stages == "events" else "" if "events" in stages.split(",") else rest
        for stages in groups
    ]


def cpus_of_workers(groups: Sequence[str], pin_cores: bool) -> list[str]:
    """`split_cpus` over the cores this process may use, or "" for each where the settings
    leave the placement to the scheduler (`WIREWATCH_PIN_CORES=false`)."""
    return split_cpus(groups, available_cpus()) if pin_cores else [""] * len(groups)


def available_cpus() -> frozenset[int]:
    """The cores this process may run on; none where the system does not say (not Linux:
    nothing is pinned there)."""
    if not hasattr(os, "sched_getaffinity"):
        return frozenset()
    return frozenset(os.sched_getaffinity(0))


def pin(cpus: frozenset[int]) -> None:
    """Run every thread of this process, and those it starts later, on these cores (as
    `taskset -a`: on Linux each thread has its own set)."""
    if not hasattr(os, "sched_setaffinity"):
        raise OSError(errno.ENOSYS, "cores can be chosen on Linux only")
    os.environ.setdefault(_BEFORE, format_cpus(available_cpus()))
    for task in Path("/proc/self/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
        except ProcessLookupError:  # a thread that has just ended
            continue


def unpin() -> None:
    """In a thread or process a worker starts for the model, or the embedded broker's: the
    cores the worker could use before `pin`."""
    before = os.environ.get(_BEFORE)
    if before:
        os.sched_setaffinity(0, parse_cpus(before))
