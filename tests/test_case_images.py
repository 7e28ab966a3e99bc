"""A case's images are stored once beside its checkpoints (pixtralogist.persistence.images), on SQLite and on
a real local PostgreSQL: no checkpoint row carries the pixels, yet the plugins, the exports and a re-opened
service see the whole case."""

from __future__ import annotations

from pg_fixtures import pg_cluster  # noqa: F401 (fixture)
from test_compaction import open_service, storage  # noqa: F401 (fixture: SQLite, and a fresh PostgreSQL database)
from test_reliability_support import write_png


def checkpoint_payloads(store) -> list[bytes]:
    """Every serialised value the checkpointer holds (checkpoints, pending writes, PostgreSQL's blobs)."""
    saver = store.saver
    postgres = type(saver).__name__ == "PostgresSaver"
    queries = (["SELECT checkpoint AS v FROM checkpoints", "SELECT blob AS v FROM checkpoint_writes",
                "SELECT blob AS v FROM checkpoint_blobs"] if postgres else
               ["SELECT checkpoint FROM checkpoints", "SELECT value FROM writes"])
    out = []
    with saver.lock:
        for sql in queries:
            for row in saver.conn.execute(sql).fetchall():
                value = row["v"] if isinstance(row, dict) else row[0]
                if value is not None:
                    out.append(bytes(value) if not isinstance(value, (dict, str)) else str(value).encode())
        if not postgres:
            saver.conn.commit()
    return out


def fundus_png() -> bytes:
    """The ophthalmology plugin's own fundus example image (generated, never patient data)."""
    from pixtralogist.core.plugins import get_plugin_manager

    example = next(e for e in get_plugin_manager(autoload=False).examples("ophthalmology")
                   if e.id == "oph-fundus-npdr-png")
    return example.images[0].data


def test_images_are_stored_once_and_the_case_reads_whole(storage, tmp_path):
    from pixtralogist.core.imaging import build_case

    png_path = write_png(tmp_path / "a.png", size=160, seed=3)
    data = tmp_path / "data"
    svc = open_service(data, storage)
    try:
        case = build_case([str(png_path)], notes="small L effusion, heart nl", specialty_hint="radiology")
        pixels = case.images[0].png
        assert len(pixels) > 1000
        turn = svc.start(case)
        assert turn.status == "review"
        region = turn.draft.regions[0]
        svc.edit_region(turn.case_id, region, "Moderate left pleural effusion.")
        payloads = checkpoint_payloads(svc._checkpoints)
        assert payloads and not any(pixels in p for p in payloads)  # no step wrote the pixels
        assert svc._checkpoints.images.bytes_of([turn.case_id]) == len(pixels)  # stored once
        assert svc.case(turn.case_id).images[0].png == pixels
        assert svc.case(turn.case_id).model_dump() == case.model_dump()  # (identity went to its own store)
        signed = svc.sign(turn.case_id, "Dr Ada Example")
        assert signed.status == "signed"
        assert svc.runtime.feedback.image(case.images[0].meta.sha256) == pixels  # learn saw the whole case
        # the same image in another case: stored once, under the first case
        again = build_case([str(png_path)], notes="heart nl", specialty_hint="radiology")
        assert svc.start(again).status == "review"
        assert svc._checkpoints.images.bytes_of() == len(pixels)
        exported = svc.export(turn.case_id, "fhir")
    finally:
        svc.close()

    svc = open_service(data, storage)  # a re-opened app: nothing in memory
    try:
        assert svc.case(turn.case_id).images[0].png == pixels  # compaction kept the image
        assert svc.get(turn.case_id).version == signed.version
        assert svc.export(turn.case_id, "fhir") == exported
        assert svc.case(again.id).images[0].png == pixels
    finally:
        svc.close()


def test_the_plugins_route_on_the_pixels(storage, tmp_path):
    """The fundus-photograph cue reads the image: it still does, though the state keeps no pixels."""
    from pixtralogist.core.imaging import build_case

    path = tmp_path / "fundus.png"
    path.write_bytes(fundus_png())  # no specialty hint, neutral notes: the cue needs the pixels
    from pixtralogist.plugins.ophthalmology.routing import _fundus_pixels

    svc = open_service(tmp_path / "data", storage)
    try:
        case = build_case([str(path)], indication="Diabetic eye screening.", notes="see image")
        _fundus_pixels.cache_clear()
        turn = svc.start(case)
        route = svc.graph.get_state(svc._config(turn.case_id)).values["route"]
        reasons = [r for c in route.candidates for r in c.reasons]
        assert any("fundus photograph" in r for r in reasons), reasons
        # every ophthalmology template asks for the cue; the image is decoded once
        asked = _fundus_pixels.cache_info()
        assert asked.misses == 1 and asked.hits >= 1, asked
    finally:
        svc.close()


def test_image_store_keys_and_a_case_started_before_it(tmp_path):
    """Keys are the PNG's digest, computed by the store; an image whose ``meta.sha256`` is not its digest keeps
    its pixels in the state; a case stored with its pixels (checkpoints from before the store) reads as is."""
    import hashlib

    from pixtralogist.core.imaging import build_case
    from pixtralogist.persistence.images import ImageStore
    from pixtralogist.persistence.sqlite import open_durable

    conn = open_durable(tmp_path / "agent.sqlite", what="case store")
    store = ImageStore.sqlite(conn)
    case = build_case([str(write_png(tmp_path / "a.png", seed=1)), str(write_png(tmp_path / "b.png", seed=2))],
                      notes="heart nl")
    good, other = case.images
    wrong = other.model_copy(update={"meta": other.meta.model_copy(update={"sha256": hashlib.sha256(b"x").hexdigest()})})
    mixed = case.model_copy(update={"images": [good, wrong]})
    bare = store.detach(mixed)
    assert bare.images[0].png == b"" and bare.images[0].meta == good.meta
    assert bare.images[1].png == other.png  # not findable by its meta: kept whole
    assert store.attach(bare) == mixed
    assert store.attach(mixed) is mixed  # pixels already there
    assert store.put("c2", [good.png]) == [good.meta.sha256]  # stored before: not written again
    assert store.bytes_of() == len(good.png) + len(other.png)

    reopened = ImageStore.sqlite(open_durable(tmp_path / "agent.sqlite", what="case store"))  # cold cache
    assert reopened.attach(bare) == mixed
    assert reopened.find(hashlib.sha256(b"nothing").hexdigest()) is None
