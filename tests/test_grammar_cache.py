"""The built parser is cached in the user's own, private cache folder, and a damaged or
foreign cache file is never trusted: loading still works, from the grammar."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
LOAD = "import srg_rules; print(srg_rules.load('rulebooks/srg.rules').rule_ids[0])"


def _load(cache_home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    env.pop("SRG_RULES_NO_CACHE", None)
    return subprocess.run([sys.executable, "-c", LOAD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_the_cache_is_private_and_a_damaged_one_is_ignored(tmp_path: Path) -> None:
    first = _load(tmp_path)
    assert first.returncode == 0, first.stderr
    folder = tmp_path / "srg-rules"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [cached] = folder.glob("rulebook-*.lark")
    cached.write_bytes(b"not a parser\n")
    second = _load(tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_no_cache_when_the_folder_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    result = _load(blocker)
    assert result.returncode == 0, result.stderr
