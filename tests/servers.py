"""Real servers for tests, started on 127.0.0.1 in a temporary folder: PostgreSQL and Chroma."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (Debian puts them outside PATH)."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster; yields its URL. As root, it runs as the ``postgres`` user
    (in its own folder under /tmp: pytest's tmp folders are closed to other users)."""
    import tempfile

    bindir = postgres_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL server programs not found (Debian package: postgresql)")
    root = Path(tempfile.mkdtemp(prefix="pixtralogist-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(root, user="postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    subprocess.run(as_user + [str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "pix"],
                   check=True, capture_output=True)
    proc = subprocess.Popen(as_user + [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root),
                                       "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc)
        url = f"postgresql://pix@127.0.0.1:{port}/postgres"
        import psycopg

        for _ in range(50):  # the port opens slightly before connections are accepted
            try:
                psycopg.connect(url).close()
                break
            except psycopg.OperationalError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def chroma_server(root: Path) -> Iterator[str]:
    """A Chroma server (chromadb's own ``chroma run``); yields its URL."""
    exe = Path(sys.executable).parent / "chroma"
    port = free_port()
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(exe), "run", "--path", str(root), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        _wait_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


#: Where Debian's orthanc-dicomweb package puts the DICOMweb plugin.
ORTHANC_DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"


def orthanc_config(root: Path, http_port: int, dicom_port: int, *, aet: str = "ORTHANC",
                   modalities: dict[str, list] | None = None) -> dict:
    """The Orthanc configuration the PACS tests and ``benchmarks/pacs.py`` use (README, "Connecting a PACS")."""
    return {
        "Name": "PIXTRALOGIST-TEST",
        "StorageDirectory": str(root / "db"),
        "IndexDirectory": str(root / "db"),
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": aet,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": True,
        "RegisteredUsers": {"pixtralogist": "test-secret"},
        "DicomCheckCalledAet": True,
        "DicomAlwaysAllowEcho": True,
        "DicomAlwaysAllowStore": True,
        "DicomAlwaysAllowFind": True,
        "DicomAlwaysAllowGet": True,
        "DicomModalities": modalities or {},
        "StableAge": 1,
        "Plugins": [ORTHANC_DICOMWEB_PLUGIN],
        "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "StudiesMetadata": "Full", "SeriesMetadata": "Full"},
    }


class OrthancServer:
    """A throw-away Orthanc (DICOMweb plugin on) on 127.0.0.1; :meth:`stop`/:meth:`start` keep its storage."""

    def __init__(self, root: Path, aet: str = "ORTHANC") -> None:
        import json

        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.http_port, self.dicom_port, self.aet = free_port(), free_port(), aet
        self.user, self.password = "pixtralogist", "test-secret"
        self.config_path = self.root / "orthanc.json"
        self.config_path.write_text(json.dumps(orthanc_config(self.root, self.http_port, self.dicom_port, aet=aet),
                                               indent=2))
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def dicomweb_url(self) -> str:
        return f"{self.url}/dicom-web"

    def start(self) -> None:
        exe = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
        self.proc = subprocess.Popen([exe, str(self.config_path)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=self.root)
        _wait_port(self.http_port, self.proc)
        _wait_port(self.dicom_port, self.proc)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)
        self.proc = None

    def rest(self, path: str):
        """GET ``path`` from Orthanc's REST API (JSON)."""
        import base64
        import json
        import urllib.request

        req = urllib.request.Request(self.url + path)
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def upload(self, data: bytes) -> dict:
        import base64
        import json
        import urllib.request

        req = urllib.request.Request(self.url + "/instances", data=data, method="POST")
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
        req.add_header("Content-Type", "application/dicom")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())


def orthanc_available() -> bool:
    return bool(shutil.which("Orthanc") or Path("/usr/sbin/Orthanc").exists()) and Path(ORTHANC_DICOMWEB_PLUGIN).exists()


@contextmanager
def orthanc_server(root: Path | None = None) -> Iterator[OrthancServer]:
    """A running :class:`OrthancServer` in ``root`` (default a temporary folder), stopped afterwards."""
    import tempfile

    own = root is None
    root = Path(tempfile.mkdtemp(prefix="pixtralogist-orthanc-")) if own else Path(root)
    server = OrthancServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        if own:
            shutil.rmtree(root, ignore_errors=True)
