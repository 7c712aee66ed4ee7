"""The checker's passes, one module per kind of statement; :mod:`srg_rules.check` runs them.

``context`` holds what the passes share (the fields, the names, the diagnostics found so far)
and the one place that resolves what a written value means beside a field; ``declarations``
builds the schema; ``operands`` types the two sides of a comparison (measures, date
arithmetic); ``periods`` the decision date and validity periods; ``registration`` trajectories
and activities; ``unique`` the checks across records.
"""
