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


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked ``slow`` run only when asked for (``-m slow``): the default run, which CI
    makes, stays well under 20 minutes on 2 cores. Each slow test has a quick sibling that
    runs by default (the same property with fewer examples)."""
    import pytest

    if "slow" in (config.getoption("markexpr") or "").replace("not slow", ""):
        return
    skip = pytest.mark.skip(reason="a long run: select it with -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
