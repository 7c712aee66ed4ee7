"""srg-rules: readable rulebooks for the CBS statistic SRG, checked, explained and fast.

>>> import srg_rules
>>> book = srg_rules.parse('''
... field category: code {taal, mantelzorg}
... field funding: code {reintegratie, inburgering}
... include when category = taal
... exclude taal_inburgering when funding = inburgering and category = taal
... ''')
>>> d = book.decide({"category": "taal", "funding": "inburgering"})
>>> d.status, d.reasons
(<Status.EXCLUDED: 'excluded'>, ('taal_inburgering',))
"""

from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic as Diagnostic
from .diagnostics import RulebookError as RulebookError
from .diagnostics import Severity as Severity
from .decision import Decision as Decision
from .explain import Explanation as Explanation
from .decision import Status as Status
from .registration import Provision as Provision
from .rulebook import Rulebook as Rulebook
from .rulebook import diagnose as diagnose
from .rulebook import load as load
from .rulebook import parse as parse

__all__ = [
    "Decision",
    "Diagnostic",
    "Explanation",
    "Provision",
    "Rulebook",
    "RulebookError",
    "Severity",
    "Status",
    "diagnose",
    "load",
    "parse",
    "semantic_diff",
]

if TYPE_CHECKING:
    from .analysis.diff import semantic_diff as semantic_diff


def __getattr__(name: str) -> Any:
    """``srg_rules.semantic_diff``, imported when first used: it loads the solver (z3)."""
    if name == "semantic_diff":
        from .analysis.diff import semantic_diff

        return semantic_diff
    raise AttributeError(f"module 'srg_rules' has no attribute {name!r}")

__version__ = "0.1.0"
