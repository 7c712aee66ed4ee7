"""Embedding srg-rules in a Python program: the calls a municipal system makes.

Run it from anywhere:  python examples/embed.py
"""

from collections import Counter
from pathlib import Path

import srg_rules

# The rulebook ships beside this folder; find it from this file, not from the working directory.
RULEBOOK = Path(__file__).resolve().parent.parent / "rulebooks" / "srg.rules"

# 1. Load the rulebook once: it is read, checked and compiled here, then reused for every record.
book = srg_rules.load(RULEBOOK)
print(f"loaded {book.title!r} version {book.version}: {len(book.rule_ids)} rules")

# 2. Decide one record. A record is any mapping of field name to value; strings are converted
#    the way a CSV export writes them (dates YYYY-MM-DD or YYYYMMDD, booleans ja/nee/true/false,
#    an empty string is a missing value). Keys the rulebook does not know are ignored.
record = {
    "reporting_month": "2026-01",       # the month the delivery reports on (YYYY-MM)
    "provision_id": "AMS2026000123",
    "person_id": "999990019",           # a test BSN (passes the 11-test); never use a real one
    "municipality_code": "0363",        # four digits, the leading zero kept
    "category": "taal",
    "purpose": "reintegratie",          # deployed for re-integration (or participatie)
    "legal_basis": "participatiewet",   # optional: the law it is given under
    "initiative": "gemeente",
    "involved": "ja",
    "judgement": "",                    # only needed when the citizen took the initiative
    "funding": "reintegratie",
    "traceable": "ja",
    "start_date": "2026-01-05",
    "end_date": "",                     # running
    "activity_description": "Taal op de werkvloer",  # not a field: ignored by the rules
}
decision = book.decide(record)
# status is a Status enum that also compares equal to its string ("included", "excluded",
# "rejected"); type is the SRG type code or None; reasons are stable strings (rule ids and
# reason codes such as "missing_value:start_date").
print(f"\ndecision: {decision.status.value}, type {decision.type}, reasons {list(decision.reasons)}")
if decision.status == "included":
    print("-> deliver this provision to CBS as type", decision.type)

# 3. Explain a decision in plain words, for policy staff or a log. Here the same provision
#    paid from the inburgering budget, which is not in the SRG.
print()
print(book.explain({**record, "funding": "inburgering"}))

# 4. Decide a batch. decide_many is lazy: it takes any iterable of records (a csv.DictReader,
#    rows from a database cursor) and yields one Decision per record, in order.
batch = [
    record,
    {**record, "provision_id": "AMS2026000124", "category": "coaching"},
    {**record, "provision_id": "AMS2026000125", "category": "mantelzorg"},
    {**record, "provision_id": "AMS2026000126", "initiative": "burger", "judgement": ""},
    {**record, "provision_id": "AMS2026000127", "start_date": "31-01-2026"},
]
statuses = Counter(d.status.value for d in book.decide_many(batch))
print("batch:", dict(statuses))

# 5. A rulebook with mistakes raises RulebookError when it is loaded or parsed. Its
#    .diagnostics lists every finding (not only the first) with a stable code and a position.
bad_text = """\
field category: code {taal, mantelzorg}
include when categry = taal
exclude when category = mantelzorgg
"""
try:
    srg_rules.parse(bad_text, source="bad.rules")
except srg_rules.RulebookError as error:
    print(f"\nbad.rules has {len(error.errors)} error(s):")
    for diagnostic in error.diagnostics:
        print(f"  {diagnostic.code} at line {diagnostic.line}, column {diagnostic.column}: "
              f"{diagnostic.message}" + (f" ({diagnostic.help})" if diagnostic.help else ""))
