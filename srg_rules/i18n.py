"""The language srg-rules speaks: one gettext catalog per language, and the choice between them.

Place in the pipeline: beside every stage that words something for people (diagnostics,
explanations, summaries, the command line). Input: a message id, the English text written in
the code (``_("no field named '{name}'").format(name=...)``, with
``from .i18n import gettext as _``). Output: that text in the current
language. Words translate; codes stay: status values (``included``), reason codes and
diagnostic codes are stable identifiers and never go through :func:`_`.

The catalogs are gettext ``.po`` files, ``srg_rules/locale/<lang>/LC_MESSAGES/srg_rules.po``,
shipped as package data and read once, when a language is first used, with
:func:`babel.messages.pofile.read_po`. Reading the ``.po`` itself (rather than a ``.mo``
compiled at build time) keeps one file per language to review and to merge, works the same in
an editable install and a wheel, and costs a few milliseconds.

The language, in this order (docs/i18n.md):

1. :func:`set_language` (``srg-rules --lang nl|en``, before or after the subcommand);
2. the environment variable ``SRG_RULES_LANG`` (``nl`` or ``en``);
3. the locale, in POSIX order: the first of ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set
   and not empty decides; any ``nl`` or ``nl_*`` is Dutch;
4. else English.

Invariant: English output is the text in the code, unchanged (the English catalog maps each
id to itself), so English golden files do not depend on the catalogs.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path

__all__ = [
    "LANGUAGES",
    "N_",
    "argparse_words",
    "catalog_path",
    "from_environment",
    "gettext",
    "language",
    "ngettext",
    "set_language",
    "speaking",
    "split_language_option",
    "translations",
]

LANGUAGES: tuple[str, ...] = ("en", "nl")
"""The languages srg-rules speaks; the first is the language of the message ids."""

DOMAIN = "srg_rules"
_LOCALE = Path(__file__).parent / "locale"

_chosen: str | None = None
# The language of one block of work (:func:`speaking`): a surface that serves several people
# at once (the studio's threaded server) speaks each one's language without changing the
# process's choice.
_speaking: ContextVar[str | None] = ContextVar("srg_rules_speaking", default=None)


def catalog_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives."""
    return _LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: ``SRG_RULES_LANG``, else the POSIX locale.

    >>> from_environment({"LANG": "nl_NL.UTF-8"}), from_environment({"LC_ALL": "C", "LANG": "nl_NL"})
    ('nl', 'en')
    >>> from_environment({"SRG_RULES_LANG": "en", "LANG": "nl_BE.UTF-8"})
    'en'
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get("SRG_RULES_LANG", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "nl" if value.lower() == "nl" or value.lower().startswith("nl_") else "en"
    return "en"


def language() -> str:
    """The current language: the one of the enclosing :func:`speaking` block, else the one
    set, else the environment's (read on each call)."""
    within = _speaking.get()
    if within is not None:
        return within
    return _chosen if _chosen is not None else from_environment()


@contextlib.contextmanager
def speaking(lang: str) -> Iterator[None]:
    """Speak ``lang`` within the block, in this thread (a context variable) only.

    >>> with speaking("nl"):
    ...     gettext("excluded")
    'uitgesloten'
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    token = _speaking.set(lang)
    try:
        yield
    finally:
        _speaking.reset(token)


def set_language(lang: str | None) -> None:
    """Speak ``lang`` from now on; None goes back to the environment's choice."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    global _chosen
    _chosen = lang


def split_language_option(argv: Sequence[str]) -> tuple[str | None, list[str], str | None]:
    """Take ``--lang X`` (or ``--lang=X``) out of a command line, wherever it stands before a
    ``--``: (the language or None, the other arguments, a problem to report or None).

    >>> split_language_option(["check", "a.rules", "--lang", "nl"])
    ('nl', ['check', 'a.rules'], None)
    >>> split_language_option(["--lang=de", "check"])[2]
    '--lang de: choose nl or en'
    """
    lang: str | None = None
    rest: list[str] = []
    problem: str | None = None
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        value: str | None = None
        if arg == "--lang":
            if i + 1 >= len(args):
                # Said in the language of the environment: the option named none.
                problem = gettext("--lang needs a language: nl or en")
                i += 1
                continue
            value = args[i + 1]
            i += 2
        elif arg.startswith("--lang="):
            value = arg[len("--lang="):]
            i += 1
        else:
            rest.append(arg)
            i += 1
            continue
        if value.strip().lower() in LANGUAGES:
            lang = value.strip().lower()
        else:
            problem = gettext("--lang {value}: choose nl or en").format(value=value)
    return lang, rest, problem


@functools.cache
def translations(lang: str) -> dict[str, str | tuple[str, ...]]:
    """The catalog of ``lang``: message id → text (a tuple of forms for a plural message).
    Entries without a translation (an empty msgstr, or fuzzy) are left out."""
    from babel.messages.pofile import read_po

    path = catalog_path(lang)
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    table: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, (list, tuple)):
            # a plural message's msgstr is its forms (babel reads msgstr[n] into a tuple)
            forms = tuple(message.string) if isinstance(message.string, (list, tuple)) else ()
            if forms and all(forms):
                table[message.id[0]] = forms
        elif isinstance(message.string, str) and message.string:
            table[message.id] = message.string
    return table


def gettext(message: str) -> str:
    """``message`` (its English text) in the current language."""
    lang = language()
    if lang == LANGUAGES[0]:
        return message
    found = translations(lang).get(message)
    return found if isinstance(found, str) else message


def N_(message: str) -> str:
    """Mark a text as a message without translating it yet (a type's noun, made at import
    time): the code translates it where it is shown, with ``_(text)``."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message for ``n`` things, in the current language (both languages
    have two forms: one, and other)."""
    lang = language()
    if lang != LANGUAGES[0]:
        found = translations(lang).get(singular)
        if isinstance(found, tuple) and len(found) >= 2:
            return found[0] if n == 1 else found[1]
    return singular if n == 1 else plural


# argparse's own words (Python 3.11-3.13), which it looks up with gettext.gettext and
# gettext.ngettext in the domain "argparse": listed here so that the catalog holds them.
_ARGPARSE_WORDS = (
    N_("usage: "), N_("options"), N_("positional arguments"),
    N_("show this help message and exit"), N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"), N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"), N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"), N_("expected at least one argument"),
    N_("expected at most one argument"), N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
    # The one plural argparse shows a user (``nargs=2``): each form is a message of its own.
    N_("expected %s argument"), N_("expected %s arguments"),
)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


@contextlib.contextmanager
def argparse_words() -> Iterator[None]:
    """argparse in the current language while the block runs (building a parser, parsing,
    printing help or an error): its module-level ``_`` and ``ngettext`` are ours, and put back
    afterwards. argparse reads them from its own module at every call, and no catalog of the
    domain "argparse" ships with Python, so this is the one place to give it words."""
    import argparse  # only the command line needs it

    saved = getattr(argparse, "_"), getattr(argparse, "ngettext")
    setattr(argparse, "_", gettext)
    setattr(argparse, "ngettext", _argparse_ngettext)
    try:
        yield
    finally:
        setattr(argparse, "_", saved[0])
        setattr(argparse, "ngettext", saved[1])
