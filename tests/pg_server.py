"""The PostgreSQL server the tests run against, where there is one: ``SRG_TEST_PGHOST`` (a
host or a socket folder), ``SRG_TEST_PGPORT`` or ``PGPORT``, ``SRG_TEST_PGUSER`` (default
``postgres``). ``.ci/run`` starts a throwaway server and sets them; elsewhere the tests that need
it are skipped with the reason."""

from __future__ import annotations

import os

import pytest

needs_postgres = pytest.mark.skipif(
    not os.environ.get("SRG_TEST_PGHOST"),
    reason="set SRG_TEST_PGHOST to a PostgreSQL host or socket folder to run")


def dsn(schema: str | None = None) -> str:
    """A libpq connection string for the test server's ``postgres`` database; ``schema``: the
    search path of the connection."""
    parts = [f"host={os.environ['SRG_TEST_PGHOST']}",
             f"user={os.environ.get('SRG_TEST_PGUSER', 'postgres')}", "dbname=postgres"]
    port = os.environ.get("SRG_TEST_PGPORT") or os.environ.get("PGPORT")
    if port:
        parts.append(f"port={port}")
    if schema:
        parts.append(f"options='-c search_path={schema}'")
    return " ".join(parts)
