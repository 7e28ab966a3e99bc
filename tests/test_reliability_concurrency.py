"""20 simultaneous sessions through the real app's HTTP API on 127.0.0.1: each gets its own draft.

Each session dictates a different nodule size; every draft must carry its own
size and no other session's, every case id is distinct, and after the server
stops every case in the store holds the notes of the session that created it.
The p95 time to draft is printed (the figure is reported by
``benchmarks/reliability.py``; not asserted beyond the time bound).
"""

from __future__ import annotations

import re

import pytest

from test_reliability_support import (
    concurrent_drafts,
    free_port,
    p95,
    start_server,
    stop_server,
    users_file,
    write_png,
)

N = 20


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_twenty_simultaneous_sessions_no_cross_talk(tmp_path):
    png = write_png(tmp_path / "f.png")
    users = users_file(tmp_path / "users", {"dr_a": "s3cret"})
    port = free_port()
    server = start_server(tmp_path / "data", port, users_file=users, export_dir=tmp_path / "tmp")
    try:
        results = concurrent_drafts(f"http://127.0.0.1:{port}/", png, N, auth=("dr_a", "s3cret"), timeout=80)
    except Exception as exc:  # show what the server printed (it may have died) next to the client's error
        code = server.poll()
        raise AssertionError(f"{exc!r}; server exit code {code}, its output:\n{stop_server(server)[-4000:]}") from exc
    stop_server(server)
    assert len(results) == N and len({r["case_id"] for r in results}) == N
    for r in results:
        sizes = set(re.findall(r"\b(\d+) mm\b", r["draft"]))
        assert sizes == {str(r["i"] + 3)}, (r["i"], sizes)
    times = [r["seconds"] for r in results]
    print(f"\n{N} concurrent sessions: p95 time to draft {p95(times):.2f} s (max {max(times):.2f} s)")
    # Each case in the store is the one its session created.
    from pixtralogist.agents.service import ReportingService
    from pixtralogist.core.plugins import get_plugin_manager

    svc = ReportingService.create(tmp_path / "data", host=get_plugin_manager(autoload=False), retrieval=False)
    try:
        for r in results:
            assert svc.case(r["case_id"]).notes == r["notes"]
            assert f"{r['i'] + 3} mm" in svc.get(r["case_id"]).draft.region_dict()["lung"]
        assert {e.actor for r in results for e in svc.audit.events(r["case_id"])} == {"dr_a"}
    finally:
        svc.close()
