"""Several app servers on one database: nothing lost, nothing applied twice, one audit chain.

    python benchmarks/replicas.py [--clinicians 30] [--servers 3]

Everything on loopback: a throw-away PostgreSQL cluster, one ``chroma run``, and N real
``pixtralogist serve`` processes sharing them (shared audit key and session secret). Clinicians
are gradio clients, each logged in as themselves on one server (round robin):

1. drafting with 1 server, then with N: p50/p95 time to draft (one draft per clinician, all at once);
2. clinicians work in pairs on one case through two different servers: the owner drafted it, the
   partner opens it from the case list; both save an edit of a different region at the same
   moment. The one that comes second was prepared on a stale screen: it must be refused with a
   message and the fresh case shown; its clinician then saves again on the fresh case;
3. the last server is killed with SIGKILL while the pairs edit; its clinicians reopen their case
   from the case list on another server and carry on (an edit sent as the server died is
   re-sent only if the reopened case lacks it);
4. each owner signs.

Then, read from the database: every edit a clinician was told was saved is in the signed report
(edits lost, must be 0), no edit text recorded twice (applied twice, 0), stale saves refused with
the message, audit events and ``pixtralogist audit verify`` over the one chain, feedback reports =
signed cases and edit rows covering every saved edit, every audit event named by the clinician who
acted. Exits 1 on any loss, duplicate, silent overwrite or broken chain.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

STALE = "Not applied."
#: The chest x-ray template's regions, in the order of the app's region boxes.
REGIONS = ("lung", "heart", "mediastinal", "bone", "others")
#: Outputs the API leaves out (the session state, layout blocks and buttons).
_HIDDEN = ("session", "choose_group", "draft_panel", "provenance_box", "save_btn", "sign_btn", "export_text",
           "export_json", "export_fhir", "export_dicom_sr", "chat_send")


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(q * len(s))) - 1))] if s else float("nan")


class Server:
    """One ``pixtralogist serve`` process."""

    def __init__(self, name: str, port: int, data: Path, env: dict[str, str]) -> None:
        self.name, self.port, self.url = name, port, f"http://127.0.0.1:{port}/"
        code = f"from pixtralogist.ui.app import serve; serve(port={port}, data_dir={str(data)!r})"
        self.log = open(data.parent / f"{name}.log", "w")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO.parent, stdout=self.log,
                                     stderr=subprocess.STDOUT, env={**env, "PIXTRALOGIST_SERVER_NAME": name})

    def wait_ready(self, timeout: float = 240) -> None:
        import httpx

        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "readyz", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} not ready after {timeout} s")

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


class Clinician:
    """One logged-in browser session on one server, through the app's HTTP API."""

    def __init__(self, user: str, password: str, server: Server) -> None:
        self.user, self.password = user, password
        self.connect(server)

    def connect(self, server: Server) -> None:
        from gradio_client import Client

        self.server = server
        self.client = Client(server.url, auth=(self.user, self.password), verbose=False,
                             httpx_kwargs={"timeout": 180})
        self.shown: dict = {}

    def _call(self, *args, api: str) -> dict:
        from pixtralogist.ui.controller import TURN_KEYS

        out = self.client.predict(*args, api_name=api)
        keys = [k for k in TURN_KEYS if k not in _HIDDEN and not k.startswith("slot_")]
        if len(keys) != len(out):
            raise AssertionError(f"{api}: {len(out)} outputs, expected {len(keys)}")
        shown = dict(zip(keys, out))
        regions = {}
        for i, name in enumerate(REGIONS):
            box = shown.get(f"region_{i}")
            if isinstance(box, dict) and isinstance(box.get("value"), str):
                regions[name] = (i, box["value"])
        status = shown.get("status") if isinstance(shown.get("status"), str) else ""
        imp = shown.get("impression")
        self.shown = {"status": status, "regions": regions or self.shown.get("regions", {}),
                      "impression": imp.get("value") if isinstance(imp, dict) else imp}
        return self.shown

    def draft(self, png: Path, notes: str) -> str:
        from gradio_client import handle_file

        shown = self._call([handle_file(str(png))], "Cough.", "", "", notes, "radiology", api="/draft")
        return shown["status"].split("`")[1]

    def open(self, case_id: str) -> dict:
        self.client.predict(api_name="/refresh_cases")  # the case list, as a clinician would
        return self._call(case_id, api="/open_case")

    def _boxes(self, region: str, text: str) -> list[str]:
        boxes = [""] * 12
        for i, value in self.shown["regions"].values():
            boxes[i] = value
        boxes[self.shown["regions"][region][0]] = text
        return boxes

    def save(self, region: str, text: str) -> dict:
        return self._call(self.shown.get("impression") or "", *self._boxes(region, text), api="/save_edits")

    def sign(self) -> dict:
        boxes = self._boxes(next(iter(self.shown["regions"])), next(iter(self.shown["regions"].values()))[1])
        return self._call(f"Dr {self.user}", self.shown.get("impression") or "", *boxes, api="/sign")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clinicians", type=int, default=30)
    ap.add_argument("--servers", type=int, default=3)
    args = ap.parse_args(argv)
    from servers import chroma_server, postgres_server
    from test_reliability_support import child_env, free_port, users_file, write_png

    t_start = time.perf_counter()
    n = args.clinicians - args.clinicians % 2
    with tempfile.TemporaryDirectory(prefix="px-replicas-") as d, postgres_server() as pg, \
            chroma_server(Path(d) / "chroma") as chroma:
        tmp = Path(d)
        png = write_png(tmp / "f.png")
        key, secret = tmp / "audit.key", tmp / "session.secret"
        key.write_text(os.urandom(32).hex())
        secret.write_text(os.urandom(32).hex())
        for p in (key, secret):
            p.chmod(0o600)
        users = {f"c{i:02d}": f"pw-{i}" for i in range(n)}
        env = child_env(PIXTRALOGIST_CHECKPOINTER_URL=pg, PIXTRALOGIST_CHROMA_URL=chroma,
                        PIXTRALOGIST_AUDIT_KEY_FILE=str(key), PIXTRALOGIST_SESSION_SECRET_FILE=str(secret),
                        PIXTRALOGIST_USERS_FILE=str(users_file(tmp / "users", users)), TMPDIR=str(tmp))
        servers = [Server(f"app-{i + 1}", free_port(), tmp / f"app-{i + 1}", env) for i in range(args.servers)]
        problems: list[str] = []
        try:
            servers[0].wait_ready()  # all started together: the first migrates, the others wait for its lock
            print(f"app-1 ready ({time.perf_counter() - t_start:.0f} s after start)", flush=True)

            def draft_all(clinicians: list[Clinician], tag: str) -> tuple[list[str], list[float]]:
                barrier = threading.Barrier(len(clinicians))

                def one(ic):
                    i, c = ic
                    barrier.wait(120)
                    t0 = time.perf_counter()
                    cid = c.draft(png, f"small L effusion, heart nl, {i + 3} mm RUL nodule ({tag})")
                    return cid, time.perf_counter() - t0

                with ThreadPoolExecutor(len(clinicians)) as pool:
                    res = list(pool.map(one, enumerate(clinicians)))
                return [r[0] for r in res], [r[1] for r in res]

            for s in servers[1:]:
                s.wait_ready()
            print(f"all {len(servers)} servers ready ({time.perf_counter() - t_start:.0f} s)", flush=True)
            # 1. drafting on one server, the others idle (a warm-up draft first: cold loads are not the figure)
            solo = [Clinician(u, users[u], servers[0]) for u in list(users)[: n // 2]]
            draft_all(solo[:1], "warm-up")
            _, t1 = draft_all(solo, "one server")
            clinicians = [Clinician(u, users[u], servers[i % len(servers)]) for i, u in enumerate(users)]
            for s in servers[1:]:  # warm each other server once
                draft_all([c for c in clinicians if c.server is s][:1], "warm-up")
            owners, partners = clinicians[0::2], clinicians[1::2]
            # owner i and partner i are on different servers (round robin over an odd or even count)
            partners = partners[1:] + partners[:1] if len(servers) == 2 else partners
            case_ids, t3 = draft_all(owners, "pairs")
            for p, cid in zip(partners, case_ids):
                p.open(cid)
            saved: dict[tuple[str, str], str] = {}  # (case, region) -> text each clinician was told is saved
            stale = {"refused": 0, "with_message": 0}
            lock = threading.Lock()
            doomed = servers[-1]
            alive = servers[:-1]

            def carry_on(c: Clinician, cid: str) -> None:
                """The clinician's server is gone: another server, the case reopened from the case list."""
                c.connect(alive[hash(c.user) % len(alive)])
                listed = c.client.predict(api_name="/refresh_cases")
                if cid not in str(listed):
                    problems.append(f"{cid} missing from the case list on {c.server.name}")
                c.open(cid)

            def act(c: Clinician, cid: str, region: str, text: str, barrier: threading.Barrier) -> None:
                barrier.wait(120)
                for attempt in range(4):
                    try:
                        shown = c.save(region, text)
                    except Exception:  # noqa: BLE001 - the server died under the request
                        carry_on(c, cid)
                        if c.shown["regions"][region][1] == text:  # it had been saved before the kill
                            break
                        continue
                    if STALE in shown["status"]:
                        with lock:
                            stale["refused"] += 1
                            stale["with_message"] += "changed" in shown["status"]
                        if c.shown["regions"][region][1] == text:
                            problems.append(f"{cid}: a refused save of {region} was applied anyway")
                        continue  # the fresh case is shown: save again on it
                    if shown["regions"][region][1] != text:
                        problems.append(f"{cid}: save of {region} answered without the edit")
                    break
                else:
                    problems.append(f"{cid}: {c.user} could not save {region}")
                    return
                with lock:
                    saved[(cid, region)] = text

            # 2 + 3. pairs edit the same case through two servers at the same moment; a server dies
            jobs = []
            for k, (o, p, cid) in enumerate(zip(owners, partners, case_ids)):
                b = threading.Barrier(2)
                jobs.append((o, cid, "bone", f"Old healed rib fracture, noted by {o.user} ({k}).", b))
                jobs.append((p, cid, "heart", f"Mild cardiomegaly, noted by {p.user} ({k}).", b))
            killer = threading.Timer(random.Random(7).uniform(0.5, 1.5), doomed.kill)
            t_edit = time.perf_counter()
            killer.start()
            with ThreadPoolExecutor(len(jobs)) as pool:
                list(pool.map(lambda j: act(*j), jobs))
            killer.join()
            print(f"pairs edited ({time.perf_counter() - t_edit:.0f} s); {doomed.name} was SIGKILLed mid-run",
                  flush=True)
            # 4. owners sign (on a live server, reopening the case first)
            for o, cid in zip(owners, case_ids):
                if o.server is doomed:
                    carry_on(o, cid)
                o.open(cid)
                if "signed" not in o.sign()["status"].lower():
                    problems.append(f"{cid}: not signed")
        finally:
            for s in servers:
                s.stop()
        # --- what the database says ------------------------------------------------------------
        from pixtralogist.agents.service import ReportingService
        from pixtralogist.core.plugins import get_plugin_manager
        from pixtralogist.core.storage import StorageSettings

        os.environ["PIXTRALOGIST_AUDIT_KEY_FILE"] = str(key)
        svc = ReportingService.create(tmp / "check", host=get_plugin_manager(autoload=False), retrieval=False,
                                      storage=StorageSettings(checkpointer=pg))
        try:
            lost = [k for k, text in saved.items() if svc.get(k[0]).draft.region_dict().get(k[1]) != text]
            edits = [e for cid in case_ids for e in svc.runtime.feedback.edits(cid)]
            texts = [e["after"] for e in edits]
            twice = sum(texts.count(t) > 1 for t in set(texts))
            signed = [cid for cid in case_ids if svc.get(cid).status == "signed"]
            reports = {r["case_id"] for r in svc.runtime.feedback.reports()}
            events = svc.audit.events()
            by_case = {cid: [e for e in events if e.case_id == cid] for cid in case_ids}
            wrong_actor = [e for cid in case_ids for e in by_case[cid]
                           if e.action in ("edit_region", "sign") and not e.actor.startswith("c")]
            unrecorded = [k for k, text in saved.items() if text not in texts]
        finally:
            svc.close()
        verify = subprocess.run([str(Path(sys.executable).parent / "pixtralogist"), "audit", "verify", "--log", pg],
                                capture_output=True, text=True, env={**os.environ, "PIXTRALOGIST_AUDIT_KEY_FILE": str(key)})
    total = time.perf_counter() - t_start
    print(f"clinicians: {n} on {len(servers)} servers ({len(case_ids)} cases worked on in pairs)")
    print(f"committed edits: {len(saved)}; edits lost: {len(lost)}; edits applied twice: {twice}")
    print(f"stale saves refused: {stale['refused']} (with the 'changed ... NOT applied' message: "
          f"{stale['with_message']}), each then saved again on the fresh case")
    print(f"signed cases: {len(signed)}/{len(case_ids)}; feedback reports for them: {len(reports & set(case_ids))}; "
          f"feedback edit rows: {len(edits)} (saved edits missing from them: {len(unrecorded)})")
    print(f"audit events: {len(events)}; audit verify over the one chain: rc {verify.returncode}: "
          f"{(verify.stdout or verify.stderr).strip()[:160]}")
    print(f"audit events naming a clinician who did not act: {len(wrong_actor)}")
    print(f"draft time, 1 server ({len(t1)} at once): p50 {statistics.median(t1):.2f} s, p95 {pct(t1, .95):.2f} s")
    print(f"draft time, {len(servers)} servers ({len(t3)} at once): p50 {statistics.median(t3):.2f} s, "
          f"p95 {pct(t3, .95):.2f} s  (os.cpu_count() = {os.cpu_count()})")
    print(f"total {total:.0f} s")
    ok = (not lost and not twice and not problems and verify.returncode == 0 and len(signed) == len(case_ids)
          and set(case_ids) <= reports and not unrecorded and not wrong_actor and stale["refused"] > 0)
    for p in problems[:20]:
        print("PROBLEM:", p)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
