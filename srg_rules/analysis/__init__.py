"""The static analysis: what a rulebook does for every valid record, proven with z3.

Place in the pipeline: after :func:`srg_rules.ir.from_ast`, beside the backends. Input: an
:class:`srg_rules.ir.Program` (two, for a diff). Output: findings, expectations that fail,
and the records two versions decide differently, each with an example record the reference
interpreter confirms. Invariant: nothing is reported without a proof (an unsat answer, or a
witness the interpreter decides as claimed).

The stages, each a module of this package:

- :mod:`.domains`: each field's finite domain, the few values that stand for all of them;
- :mod:`.encoding`: the one encoder of conditions and outcomes as solver formulas;
- :mod:`.findings`: :func:`analyse` and :func:`check_expectations` (re-exported here);
- :mod:`.periods`: the analysis per period of the rules in force;
- :mod:`.diff` (with :mod:`.changes` and :mod:`.regions`): the version diff over programs
  (the command and the record-file diff are :mod:`srg_rules.versions`).

Only the findings are imported here: the diff reads rulebooks, which import this package.
"""

from .findings import CODES as CODES
from .findings import AnalysisError as AnalysisError
from .findings import ExpectationCheck as ExpectationCheck
from .findings import Finding as Finding
from .findings import analyse as analyse
from .findings import check_expectations as check_expectations
from .findings import describe_record as describe_record
from .findings import expectation_checks as expectation_checks
from .findings import to_diagnostics as to_diagnostics

__all__ = [
    "AnalysisError",
    "CODES",
    "ExpectationCheck",
    "Finding",
    "analyse",
    "check_expectations",
    "describe_record",
    "expectation_checks",
    "to_diagnostics",
]
