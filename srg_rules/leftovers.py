"""Leftovers of runs that were killed: temporary output files and DuckDB spill folders.

Place in the pipeline: beside the run frame (:mod:`srg_rules.records` names the temporary
output files with :func:`partial_prefix`, :mod:`srg_rules.filerun` makes its spill folder
with :func:`spill_folder`); ``srg-rules clean`` and every new run remove what a dead run left.

A run removes its own temporary files on success, on an error and on Ctrl-C. Only a process
that is killed outright (SIGKILL, a power cut) leaves them, and they hold records (BSNs).
Every such file or folder carries the id of the process that made it, so a later run can
tell a leftover (its process is gone) from the work of a run still going (left alone).

Invariants: only names this module makes are ever removed, only when owned by the current
user and when their process is no longer alive.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

__all__ = ["PARTIAL_SUFFIX", "SPILL_PREFIX", "alive", "partial_prefix", "remove_stale",
           "remove_stale_spill", "spill_folder"]

PARTIAL_SUFFIX = ".partial"
"""How every temporary output file ends: ``.<target>.srg-<pid>-<random>.partial``."""

SPILL_PREFIX = "srg-rules-duckdb-"
"""How every DuckDB spill folder of a run starts: ``srg-rules-duckdb-<pid>-<random>``."""

_PARTIAL = re.compile(r"\.(?P<target>.+)\.srg-(?P<pid>[0-9]+)-[^.]*" + re.escape(PARTIAL_SUFFIX))
_SPILL = re.compile(re.escape(SPILL_PREFIX) + r"(?P<pid>[0-9]+)-.*")


def partial_prefix(target: str) -> str:
    """The start of the name of a temporary output file for ``target`` (a file name)."""
    return f".{target}.srg-{os.getpid()}-"


def spill_folder() -> str:
    """A new private folder in the system's temporary folder for DuckDB to spill to, after
    removing those of runs no longer alive."""
    remove_stale_spill()
    return tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-")


def alive(pid: int) -> bool:
    """Whether a process with this id runs (one of another user counts as running)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, another user's
        return True
    return True


def remove_stale(directory: str | os.PathLike[str], target: str | None = None) -> list[Path]:
    """Remove the temporary output files in ``directory`` (of ``target`` only, a file name,
    when given) whose run is no longer alive, and return them."""
    removed: list[Path] = []
    for entry in _entries(directory):
        found = _PARTIAL.fullmatch(entry.name)
        if found is None or (target is not None and found["target"] != target):
            continue
        if alive(int(found["pid"])) or not _own(entry, folder=False):
            continue
        try:
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def remove_stale_spill(directory: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the spill folders (in ``directory``, default the system's temporary folder) of
    runs no longer alive, and return them."""
    removed: list[Path] = []
    for entry in _entries(directory or tempfile.gettempdir()):
        found = _SPILL.fullmatch(entry.name)
        if found is None or alive(int(found["pid"])) or not _own(entry, folder=True):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _entries(directory: str | os.PathLike[str]) -> list[os.DirEntry[str]]:
    try:
        return list(os.scandir(directory))
    except OSError:
        return []


def _own(entry: os.DirEntry[str], folder: bool) -> bool:
    try:
        kind = entry.is_dir(follow_symlinks=False) if folder else entry.is_file(follow_symlinks=False)
        return kind and entry.stat(follow_symlinks=False).st_uid == os.getuid()
    except OSError:
        return False
