"""Shared test settings: Hypothesis profiles, and files the rulebook plugin must not collect."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Deliberately broken or analysis-specific rulebooks: tested by their own test modules, not as
# rulebooks by the srg_rules pytest plugin.
collect_ignore_glob = ["golden/*", "corpus/*"]

settings.register_profile("dev", deadline=None)
settings.register_profile(
    "ci", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# The golden files are English: a test run speaks English whatever the machine's locale
# (tests of the Dutch output ask for it; docs/i18n.md).
os.environ["SRG_RULES_LANG"] = "en"
