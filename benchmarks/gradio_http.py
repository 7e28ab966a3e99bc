"""A Gradio app's HTTP API spoken as the browser speaks it, with the standard library: :class:`GradioHTTP`.

The load benchmark runs its 20 clients on the same 2 cores as the server it times. ``gradio_client``
costs about 0.12 s of CPU per draft there (a new HTTPS-capable ``httpx`` client, with its certificate
store, for each upload and each queue join; a thread and a decoder per stream), as much as the server
spends on the draft: the clients' own work then shows up as the server's latency. A browser on a
clinician's machine costs the server's cores nothing. This client sends the same requests as the
browser (``/config``, ``upload``, ``queue/join``, the ``queue/data`` event stream), over plain
``http.client`` connections, so that the figures are the server's.

Only what the benchmark needs: endpoints by ``api_name``, files uploaded from paths, State inputs
filled with None and layout or State outputs left out (as ``gradio_client`` does), no login.
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

#: Component types that are not values of an endpoint's API (gradio_client.utils.SKIP_COMPONENTS).
SKIP = {"state", "row", "column", "tabs", "tab", "tabitem", "box", "form", "accordion", "group",
        "interpretation", "dataset", "sidebar"}


class GradioError(RuntimeError):
    """The app answered an event with an error (or not at all)."""


class FilePath(str):
    """A local file to upload as the value of a file input (``handle_file`` of gradio_client)."""


class GradioHTTP:
    """One browser session of a Gradio app at ``url`` (``http://host:port/``)."""

    def __init__(self, url: str, timeout: float = 180.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self.config = json.loads(self._request("GET", "/config"))
        self.prefix = "/" + str(self.config.get("api_prefix") or "/gradio_api").strip("/")
        self.session_hash = uuid.uuid4().hex[:11]
        self._components = {c["id"]: c for c in self.config["components"]}

    # --- transport ------------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def _request(self, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None) -> bytes:
        for attempt in (0, 1):  # a keep-alive connection the server closed: once more on a new one
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers or {})
                resp = conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, ConnectionError, OSError):
                self.close()
                if attempt:
                    raise
                continue
            if resp.status >= 400:
                raise GradioError(f"{method} {path}: HTTP {resp.status}: {data[:300]!r}")
            return data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # --- the API ---------------------------------------------------------------------------------

    def _dependency(self, api_name: str) -> tuple[int, dict]:
        name = api_name.lstrip("/")
        for i, dep in enumerate(self.config["dependencies"]):
            if dep.get("api_name") == name:
                return dep.get("id", i), dep
        raise GradioError(f"no endpoint named {api_name}")

    def _skipped(self, component_id: int) -> bool:
        c = self._components.get(component_id, {})
        return bool(c.get("skip_api", c.get("type") in SKIP))

    def returns(self, api_name: str) -> list[dict]:
        """The outputs of an endpoint as the API shows them (layout blocks and State left out): each
        component's ``props`` with its ``type``."""
        _, dep = self._dependency(api_name)
        out = []
        for cid in dep["outputs"]:
            if not self._skipped(cid):
                c = self._components[cid]
                out.append({"type": c.get("type"), **c.get("props", {})})
        return out

    def upload(self, path: str) -> dict[str, Any]:
        """Upload one file (``POST upload``, multipart) and return its value for a file input."""
        p = Path(path)
        boundary = uuid.uuid4().hex
        mime = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{p.name}\"\r\n"
                f"Content-Type: {mime}\r\n\r\n").encode() + p.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        served = json.loads(self._request("POST", f"{self.prefix}/upload", body,
                                          {"Content-Type": f"multipart/form-data; boundary={boundary}"}))
        return {"path": served[0], "orig_name": p.name, "size": p.stat().st_size, "mime_type": mime,
                "meta": {"_type": "gradio.FileData"}}

    def _value(self, value: Any) -> Any:
        if isinstance(value, FilePath):
            return self.upload(str(value))
        if isinstance(value, list):
            return [self._value(v) for v in value]
        return value

    def predict(self, *args: Any, api_name: str) -> list[Any]:
        """Run an endpoint as a browser event does and return its API outputs (a list)."""
        fn_index, dep = self._dependency(api_name)
        values = iter([self._value(a) for a in args])
        data = [None if self._components.get(cid, {}).get("type") == "state" else next(values, None)
                for cid in dep["inputs"]]
        body = json.dumps({"data": data, "fn_index": fn_index, "session_hash": self.session_hash,
                           "event_data": None, "trigger_id": None}).encode()
        joined = json.loads(self._request("POST", f"{self.prefix}/queue/join", body,
                                          {"Content-Type": "application/json"}))
        event_id = joined["event_id"]
        output = self._await(event_id)
        return [v for v, cid in zip(output, dep["outputs"], strict=False) if not self._skipped(cid)]

    def _await(self, event_id: str) -> list[Any]:
        """Read the session's event stream until this event completes (its own connection, closed after)."""
        stream = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        deadline = time.monotonic() + self.timeout
        try:
            stream.request("GET", f"{self.prefix}/queue/data?session_hash={self.session_hash}",
                           headers={"Accept": "text/event-stream"})
            resp = stream.getresponse()
            if resp.status >= 400:
                raise GradioError(f"queue/data: HTTP {resp.status}")
            while time.monotonic() < deadline:
                line = resp.readline()
                if not line:
                    break
                if not line.startswith(b"data:"):
                    continue
                msg = json.loads(line[5:])
                if msg.get("event_id") != event_id:
                    continue
                if msg.get("msg") == "process_completed":
                    out = msg.get("output") or {}
                    if not msg.get("success", True) or "error" in out and out["error"]:
                        raise GradioError(f"event failed: {str(out.get('error'))[:300]}")
                    return list(out.get("data") or [])
            raise GradioError("the event stream ended before the event completed")
        finally:
            stream.close()
