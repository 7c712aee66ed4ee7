"""Python's cycle collector paused for a stretch of work that makes many objects and no garbage
cycles worth collecting meanwhile.

Place in the pipeline: beside every stage; used where measured to pay (building a rulebook in
:mod:`srg_rules.rulebook`, a batched run in :mod:`srg_rules.run`). By default the collector
scans the young objects every 700 allocations and, now and then, the whole heap: when the
objects made stay alive (a rulebook's trees, tokens and spans) or are plain lists and tuples
in no cycle (a run's rows and keys), each pass walks a growing heap to free nothing. Measured:
checking a rulebook of 15,000 defines 5.2 s CPU with it, 3.0 s without; a 200,000-row run
spent a tenth of its time in it (2% even at a threshold of 50,000, rescanning the Counter of
``unique`` keys), and a collection after the run finds nothing to free (docs/benchmarks.md).

Invariants: the collector is resumed afterwards as it was (left off when it was off); cycles
made meanwhile are collected when it resumes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off for the ``with`` block, then as it was."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
