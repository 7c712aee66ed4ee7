"""Sphinx settings for the API reference (docs/api/): built from the docstrings, offline.

Build: ``python3 -m sphinx -W -b html docs/api /tmp/srg-rules-api`` (tests/test_api_docs.py
does, with warnings as errors, so a broken docstring or reference fails the tests).
"""

from __future__ import annotations

import sys
from pathlib import Path

# The package of this tree, not another installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

project = "srg-rules"
author = "CBS"
extensions = [
    "sphinx.ext.autodoc",   # the reference is the docstrings
    "sphinx.ext.napoleon",  # their "Args:", "Raises:" and "Attributes:" sections
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "show-inheritance": True}
# Docstrings name internal modules (:mod:`srg_rules.ir` ...) that the reference does not
# list: such a reference stays plain text instead of a warning.
nitpicky = False
html_theme = "alabaster"
html_static_path: list[str] = []
exclude_patterns = ["_build"]
