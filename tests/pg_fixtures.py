"""PostgreSQL for the store tests: a throw-away cluster per test module, a fresh database per test, and the
adapter registry's two record backends.

Import the fixtures a module uses: ``from pg_fixtures import pg_cluster, records  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from servers import postgres_bin, postgres_server

_dbs = itertools.count()


def on_postgres(name: str = "postgres"):
    """A ``pytest.param`` that is skipped where the PostgreSQL server programs are not installed."""
    return pytest.param(name, marks=pytest.mark.skipif(
        postgres_bin() is None, reason="PostgreSQL server programs not installed (make postgres)"))


def fresh_database(cluster_url: str, prefix: str = "t") -> str:
    """The URL of a new, empty database in the cluster at ``cluster_url``."""
    import psycopg

    name = f"{prefix}{next(_dbs)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(cluster_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return cluster_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
def pg_cluster():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server programs not installed")
    with postgres_server() as url:
        yield url


RECORDS = ["files", on_postgres()]


@pytest.fixture(params=RECORDS)
def records(request):
    """Where an adapter registry test keeps the registry's records: ``None`` (the JSON files of the registry
    folder, one machine) or a fresh PostgreSQL database (the site's shared database, several servers)."""
    if request.param == "files":
        return None
    return fresh_database(request.getfixturevalue("pg_cluster"), "reg")
