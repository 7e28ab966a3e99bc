"""Where an adapter registry test keeps the registry's records: ``None`` (the JSON files of the registry folder,
one machine) or a fresh database in a real local PostgreSQL (the site's shared database, several servers).

Import both fixtures into a test module: ``from registry_records import pg_cluster, records  # noqa: F401``.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from servers import postgres_bin, postgres_server

RECORDS = ["files", pytest.param("postgres", marks=pytest.mark.skipif(
    postgres_bin() is None, reason="PostgreSQL server programs not installed (make postgres)"))]
_dbs = itertools.count()


@pytest.fixture(scope="module")
def pg_cluster():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=RECORDS)
def records(request):
    """``None`` (JSON files) or the URL of a fresh PostgreSQL database holding the registry's records."""
    if request.param == "files":
        return None
    import psycopg

    base = request.getfixturevalue("pg_cluster")
    name = f"reg{next(_dbs)}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return base.rsplit("/", 1)[0] + "/" + name
