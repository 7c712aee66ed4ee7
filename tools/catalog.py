"""Bring the message catalogs in line with the code (docs/i18n.md, "Adding a message").

    python3 tools/catalog.py           # extract, update nl and en, list what needs Dutch
    python3 tools/catalog.py --check   # change nothing; exit 1 when a catalog is behind

Extraction is Babel's (the same as ``pybabel extract -F babel.cfg``): every ``_()`` and
``ngettext()`` call in srg_rules/. The English catalog maps each id to itself (the code's text
is the English); the Dutch one keeps its translations, gains the new ids untranslated and
drops the ids the code no longer has. Line numbers are left out of the catalogs so that a
change elsewhere in a module does not touch them.
"""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "srg_rules" / "locale"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def template() -> Catalog:
    """Every message id in the code, as a catalog without translations."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    catalog = Catalog(project="srg-rules", domain="srg_rules", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context, flags=("python-brace-format",)
                    if "{" in (message if isinstance(message, str) else message[0]) else ())
    return catalog


HEADER = """\
# The {language} messages of srg-rules (docs/i18n.md).
# Made by tools/catalog.py from the code; translate the empty msgstr values.
#"""
FIXED = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def updated(lang: str, pot: Catalog) -> Catalog:
    path = LOCALE / lang / "LC_MESSAGES" / "srg_rules.po"
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain="srg_rules")
    else:
        catalog = Catalog(locale=lang, domain="srg_rules", project="srg-rules", fuzzy=False)
    catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False,
                   update_creation_date=False)
    catalog.header_comment = HEADER.format(language={"en": "English", "nl": "Dutch"}[lang])
    catalog.creation_date = catalog.revision_date = FIXED
    catalog.project, catalog.version = "srg-rules", "0"
    catalog.last_translator = catalog.language_team = "srg-rules"
    catalog.msgid_bugs_address = ""
    catalog.obsolete.clear()
    for message in catalog:
        if not message.id:
            continue
        if lang == "en":
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
        message.locations = []
    return catalog


def text(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=True,
             include_lineno=False, include_previous=False)
    return out.getvalue()


def missing(catalog: Catalog) -> list[str]:
    return [str(m.id) for m in catalog if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]


def main(argv: list[str]) -> int:
    check = "--check" in argv
    behind = False
    for lang in ("en", "nl"):
        catalog = updated(lang, template())
        path = LOCALE / lang / "LC_MESSAGES" / "srg_rules.po"
        new = text(catalog)
        old = path.read_bytes() if path.exists() else b""
        if new != old:
            behind = True
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(new)
        for message_id in missing(catalog):
            behind = True
            print(f"{lang}: no translation for {message_id!r}")
    if check and behind:
        print("the catalogs are behind the code: run python3 tools/catalog.py", file=sys.stderr)
    return 1 if check and behind else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
