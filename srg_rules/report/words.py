"""The words of the report and the studio, in English and Dutch: one function, :func:`say`.

Place in the pipeline: beside the surfaces (:mod:`srg_rules.report`, :mod:`srg_rules.studio`).
Input: an English message (the message id, as gettext has it) with ``{name}`` placeholders, a
language and the values. Output: the text in that language.

Every user-visible string of the report and of the studio's server goes through :func:`say`,
so that these words can move into the project's message catalog by changing this one
function: the English text is the message id, and :data:`DUTCH` is what a catalog's ``nl``
entries would hold. Codes stay codes in both languages (status values, reason codes, rule ids,
diagnostic codes): only words are translated.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..i18n import language

__all__ = ["DUTCH", "LANGUAGES", "default_language", "say"]

LANGUAGES = ("en", "nl")

DUTCH: Mapping[str, str] = {
    # the report
    "Report": "Rapport",
    "Report of a delivery": "Rapport van een levering",
    "rulebook": "regelboek",
    "version": "versie",
    "data": "gegevens",
    "The delivery": "De levering",
    "records read": "records gelezen",
    "source rows read": "bronregels gelezen",
    "provisions made of them": "voorzieningen daaruit gemaakt",
    "records": "records",
    "status": "status",
    "count": "aantal",
    "share": "aandeel",
    "included": "opgenomen",
    "excluded": "uitgesloten",
    "rejected": "afgewezen",
    "Included records by type": "Opgenomen records per type",
    "type": "type",
    "label": "omschrijving",
    "no type (unclassified)": "geen type (niet geclassificeerd)",
    "Rules": "Regels",
    "Each rule and the records it decided (a record decided by two rules counts under both).":
        "Elke regel en de records die hij besliste (een record dat door twee regels is "
        "beslist, telt bij allebei).",
    "rule": "regel",
    "kind": "soort",
    "because": "omdat",
    "line": "regel",
    "reject": "afwijzen",
    "include": "opnemen",
    "exclude": "uitsluiten",
    "classify": "classificeren",
    "warn": "waarschuwen",
    "implied by the rulebook": "volgt uit het regelboek",
    "Rules that decided no record": "Regels die geen enkel record besliste",
    "Every rule decided at least one record of this delivery.":
        "Elke regel besliste ten minste één record van deze levering.",
    "These rules decided no record of this delivery (a rule that matched a record another "
    "rule decided is not counted).":
        "Deze regels beslisten geen enkel record van deze levering (een regel die gold voor een "
        "record dat een andere regel besliste, telt niet mee).",
    "Warnings (the decision stands)": "Waarschuwingen (de beslissing blijft staan)",
    "Problems in the records": "Problemen in de records",
    "No record had a field problem.": "Geen enkel record had een probleem in een veld.",
    "field": "veld",
    "problem": "probleem",
    "Other reasons": "Andere redenen",
    "reason": "reden",
    "meaning": "betekenis",
    "no include rule matched": "geen opneemregel gold",
    "included without a type": "opgenomen zonder type",
    "classify rules give different types": "classificatieregels geven verschillende types",
    "the row could not be read as a record": "de regel kon niet als record worden gelezen",
    "the same key occurs more than once in the delivery ({fields})":
        "dezelfde sleutel komt meer dan eens voor in de levering ({fields})",
    "the value is not in force on the record's date":
        "de waarde is niet van kracht op de datum van het record",
    "a value is required": "een waarde is verplicht",
    "not in the code list": "staat niet in de codelijst",
    "not a valid value of its type": "geen geldige waarde van zijn type",
    "Per group": "Per groep",
    "By {fields}": "Per {fields}",
    "No group fields: the rulebook has none of the default ones; name some with --by.":
        "Geen groepsvelden: het regelboek heeft geen van de standaardvelden; noem ze met --by.",
    "(missing)": "(ontbreekt)",
    "The {count} groups with the most records; the table below has all {total}.":
        "De {count} groepen met de meeste records; de tabel hieronder heeft ze alle {total}.",
    "types": "types",
    "reasons": "redenen",
    "details": "details",
    "Made by srg-rules {version}. The figures are those of srg-rules run --summary-json.":
        "Gemaakt door srg-rules {version}. De cijfers zijn die van srg-rules run --summary-json.",
    "{count} of {total}": "{count} van {total}",
    # the studio's server
    "no such rulebook": "dit regelboek bestaat niet",
    "no such data file": "dit gegevensbestand bestaat niet",
    "no data file: start the studio with one, or name one": (
        "geen gegevensbestand: start de studio met een bestand, of noem er een"),
    "the rulebook has errors; fix them first": "het regelboek heeft fouten; herstel die eerst",
    "the text does not parse; save it anyway?": "de tekst is niet te lezen; toch opslaan?",
    "saved": "opgeslagen",
    "saved as it is: it does not parse": "opgeslagen zoals hij is: hij is niet te lezen",
    "the record is not a JSON object": "het record is geen JSON-object",
    "no file to save to: name one": "geen bestand om in op te slaan: noem er een",
    "port {port} is in use: choose another with --port, or leave it out for a free one": (
        "poort {port} is in gebruik: kies een andere met --port, of laat het weg voor een "
        "vrije poort"),
    "something went wrong in the studio: {error}": "er ging iets mis in de studio: {error}",
    "no such folder": "deze map bestaat niet",
    "is a directory, not a rulebook": "is een map, geen regelboek",
    "cannot write ({reason})": "kan niet schrijven ({reason})",
    "1 error": "1 fout",
    "{count} errors": "{count} fouten",
    "the request's body is not a JSON object": "het verzoek bevat geen JSON-object",
    "the request has no 'text' (the rulebook's text)":
        "het verzoek heeft geen 'text' (de tekst van het regelboek)",
    "'{name}' must be a text": "'{name}' moet een tekst zijn",
    "no such file: {name}": "dit bestand bestaat niet: {name}",
    "'offset' must be a whole number, 0 or more": "'offset' moet een geheel getal zijn, 0 of meer",
    "Fill in the fields, or pick a record of the data file.":
        "Vul de velden in, of kies een record uit het gegevensbestand.",
    # the studio's page
    "Format": "Opmaken",
    "Save": "Opslaan",
    "Problems": "Problemen",
    "Record": "Record",
    "Run": "Uitvoeren",
    "Diff": "Verschil",
    "Record of the data file": "Record uit het gegevensbestand",
    "(none)": "(geen)",
    "Data file": "Gegevensbestand",
    "Compare with": "Vergelijk met",
    "Compare": "Vergelijken",
    "The studio does not answer; is it still running?":
        "De studio antwoordt niet; draait hij nog?",
    "something went wrong": "er ging iets mis",
    "No errors or warnings; the analysis found nothing.":
        "Geen fouten of waarschuwingen; de analyse vond niets.",
    "No errors or warnings.": "Geen fouten of waarschuwingen.",
    "analysing…": "bezig met analyseren…",
    "analysed": "geanalyseerd",
    "(not in the list)": "(staat niet in de lijst)",
    "comparing…": "bezig met vergelijken…",
    "Save the new rulebook as (a path on this computer):":
        "Sla het nieuwe regelboek op als (een pad op deze computer):",
    "not saved": "niet opgeslagen",
    "new rulebook (not saved yet)": "nieuw regelboek (nog niet opgeslagen)",
}


def say(message: str, lang: str = "en", **params: object) -> str:
    """``message`` in ``lang`` with its ``{placeholders}`` filled in.

    >>> say("{count} of {total}", "nl", count=3, total=4)
    '3 van 4'
    >>> say("records read", "en")
    'records read'
    """
    text = DUTCH.get(message, message) if lang == "nl" else message
    return text.format(**params) if params else text


def default_language() -> str:
    """The language when none is chosen: the message catalog's (``--lang``,
    ``SRG_RULES_LANG``, else the locale; see :mod:`srg_rules.i18n`)."""
    chosen = language()
    return chosen if chosen in LANGUAGES else "en"
