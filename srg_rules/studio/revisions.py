"""Earlier versions of a rulebook from git: the commits that touched its file, and its text
at one of them.

Place in the pipeline: beside the studio's API (:mod:`srg_rules.studio.api`), for "a diff
against a chosen earlier version". Input: a rulebook's path. Output: :func:`history` (the
commits, newest first) and :func:`text_at` (the file's text at a commit).

git is run as a program with an argument list (never a shell string), in the rulebook's
folder, so that ``REV:./name`` names the file relative to that folder wherever the
repository's root is. A revision that could be read as an option (``-...``) or that holds
whitespace is refused before git sees it. Every failure a user can cause (no git, not in a
repository, a revision git does not know, a file the revision does not have) is a
:class:`RevisionError` whose message says what to do.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import attrs

from ..i18n import gettext as _

__all__ = ["Revision", "RevisionError", "history", "text_at"]

SHOWN = 50
"""The most commits :func:`history` lists."""

# A revision as git spells one (a hash, a branch or tag name, HEAD~2, main@{1}), never an
# option and never two words.
_REVISION = re.compile(r"[A-Za-z0-9_./@{}~^+-]+")
_TIMEOUT = 30


class RevisionError(Exception):
    """An earlier version cannot be read; ``str()`` is the message for the user."""


@attrs.frozen
class Revision:
    """One commit that changed the rulebook's file."""

    commit: str
    short: str
    date: str
    author: str
    subject: str


def history(rulebook: str | os.PathLike[str], limit: int = SHOWN) -> tuple[Revision, ...]:
    """The commits that changed ``rulebook``, newest first, at most ``limit``.

    Raises:
        RevisionError: no git, or the file is not in a git repository.
    """
    path = Path(rulebook)
    out = _git(path, "log", f"--max-count={limit}", "--date=short",
               "--format=%H%x09%h%x09%ad%x09%an%x09%s", "--", f"./{path.name}")
    revisions = []
    for line in out.splitlines():
        commit, short, date, author, subject = (line.split("\t", 4) + [""] * 5)[:5]
        revisions.append(Revision(commit, short, date, author, subject))
    return tuple(revisions)


def text_at(rulebook: str | os.PathLike[str], revision: str) -> str:
    """The text of ``rulebook`` at ``revision`` (``git show REV:./name``).

    Raises:
        RevisionError: no git, not in a repository, an unknown revision, or the revision
            does not have the file.
    """
    path = Path(rulebook)
    if revision.startswith("-") or not _REVISION.fullmatch(revision):
        raise RevisionError(_("{revision}: not a git revision (a commit such as 3f2a9c1, a "
                              "branch or a tag)").format(revision=revision))
    return _git(path, "show", f"{revision}:./{path.name}", revision=revision)


def _git(path: Path, *args: str, revision: str | None = None) -> str:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise RevisionError(_("{path}: no such folder").format(path=folder))
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True,
                              timeout=_TIMEOUT, check=False)
    except FileNotFoundError:
        raise RevisionError(_("git is not installed, so earlier versions cannot be read; "
                              "compare with a file instead")) from None
    except subprocess.TimeoutExpired:
        raise RevisionError(_("git did not answer within {seconds} seconds").format(
            seconds=_TIMEOUT)) from None
    if done.returncode == 0:
        try:
            return done.stdout.decode("utf-8")
        except UnicodeDecodeError:
            raise RevisionError(_("{path} at {revision}: the text is not UTF-8").format(
                path=path, revision=revision)) from None
    error = done.stderr.decode("utf-8", "replace")
    if "not a git repository" in error:
        raise RevisionError(_("{path}: the rulebook is not in a git repository, so it has no "
                              "earlier versions to choose from; compare with a file "
                              "instead").format(path=path))
    if revision is not None:
        if "exists on disk, but not in" in error or "does not exist in" in error:
            raise RevisionError(_("{path}: the file is not in revision {revision}").format(
                path=path, revision=revision))
        if any(words in error for words in ("invalid object name", "unknown revision",
                                            "bad revision", "ambiguous argument")):
            raise RevisionError(_("{revision}: git knows no such revision of {path}").format(
                revision=revision, path=path))
    # Anything else (a repository git refuses to read, a broken one): git's own first line.
    first = error.strip().splitlines()[:1]
    raise RevisionError(_("{path}: git could not read the file's history ({reason})").format(
        path=path, reason=first[0] if first else done.returncode))
