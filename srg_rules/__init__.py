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

from importlib import import_module
from typing import TYPE_CHECKING, Any

# The public names, each loaded from its module on first use (PEP 562), so that
# ``import srg_rules`` costs almost nothing: a command or a program that only needs part of
# the package (the pytest plugin's collection, ``srg-rules --help``) does not build the
# parser, the checker and the backends first. z3, DuckDB, sqlglot and Hypothesis are
# imported only by the modules that use them (tests/test_lazy_imports.py).
_LAZY = {
    "Diagnostic": "diagnostics", "RulebookError": "diagnostics", "Severity": "diagnostics",
    "Decision": "decision", "Status": "decision", "Explanation": "explain",
    "Provision": "registration", "Rulebook": "rulebook", "diagnose": "rulebook",
    "load": "rulebook", "parse": "rulebook", "semantic_diff": "analysis.diff",
}

if TYPE_CHECKING:  # pragma: no cover
    from .decision import Decision, Status
    from .diagnostics import Diagnostic, RulebookError, Severity
    from .explain import Explanation
    from .registration import Provision
    from .analysis.diff import semantic_diff
    from .rulebook import Rulebook, diagnose, load, parse


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'srg_rules' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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

__version__ = "0.1.0"
