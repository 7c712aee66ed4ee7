"""Two classify rules that give the same type agree (issue 12, "same type, no conflict").

A record both match is included with that type and both rule ids among its reasons, on every
backend; rules that give different types still make the record ``ambiguous_type``; and the
analysis reports no ``classification_overlap`` for rules of one type.
"""

from __future__ import annotations

import pytest

import srg_rules
from srg_rules import analysis
from srg_rules.backends import BACKENDS

RULEBOOK = """
field category: code {training, taal, coaching}
field hours: number optional
output type: code {40, 42}
include when category is present
classify cursus as 42 when category in {training, taal}
classify taal as 42 when category = taal
classify coaching as 40 when category = coaching
classify lang as 40 when hours > 100
"""

CASES = [
    ({"category": "taal"}, "included", "42", ("line-5", "cursus", "taal")),
    ({"category": "training"}, "included", "42", ("line-5", "cursus")),
    ({"category": "coaching", "hours": 200}, "included", "40", ("line-5", "coaching", "lang")),
    ({"category": "taal", "hours": 200}, "rejected", None,
     ("ambiguous_type", "cursus", "taal", "lang")),
]


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_rules_of_one_type_agree_on_every_backend(backend: str) -> None:
    book = srg_rules.parse(RULEBOOK, backend=backend)
    for record, status, code, reasons in CASES:
        decision = book.decide(record)
        assert (decision.status, decision.type, decision.reasons) == (status, code, reasons)


def test_the_analysis_sees_no_overlap_between_rules_of_one_type() -> None:
    book = srg_rules.parse(RULEBOOK)
    findings = analysis.analyse(book.program, strict=True)
    overlaps = {f.rules for f in findings if f.code == "classification_overlap"}
    # taal/cursus (both 42) and coaching/lang (both 40) agree; lang (40) overlaps both 42 rules.
    assert overlaps == {("cursus", "lang"), ("taal", "lang")}
    messages = [d.message for d in srg_rules.diagnose(RULEBOOK)]
    assert not any("both give type" in m for m in messages)
