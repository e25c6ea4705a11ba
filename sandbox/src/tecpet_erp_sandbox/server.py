"""The sandbox HTTP server: routes to the provider emulators, applies latency and faults,
logs every request, and serves the control API (``/_control/...``) and a small web page."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .bling import BlingEmulator
from .faults import APPLIES_WRITE, FAULTS, FaultPlan
from .page import render_page
from .vhsys import VhsysEmulator
from .wire import Request, Response, html

_logger = logging.getLogger(__name__)

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0):
        if host not in LOOPBACK:
            raise ValueError("the ERP sandbox listens on loopback only")
        super().__init__((host, port), _Handler)
        self.faults = FaultPlan(seed=seed)
        self.latency = 0.0  # seconds added before every provider request
        self.vhsys = VhsysEmulator()
        self.bling = BlingEmulator()
        self.emulators = {e.name: e for e in (self.vhsys, self.bling)}
        self.log: list[dict[str, Any]] = []
        self.connections = 0  # TCP connections accepted, to show clients reusing theirs
        self.connect_latency = 0.0  # seconds added per new connection (a TLS handshake's round trips)
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def vhsys_url(self) -> str:
        return self.url + self.vhsys.prefix

    @property
    def bling_url(self) -> str:
        return self.url + self.bling.prefix

    @classmethod
    def start(cls, host: str = "127.0.0.1", port: int = 0, *, seed: int = 0) -> SandboxServer:
        """Start in a background thread (tests, benchmarks); ``port=0`` picks a free port."""
        server = cls(host, port, seed=seed)
        server._thread = threading.Thread(target=server.serve_forever, name="erp-sandbox", daemon=True)
        server._thread.start()
        return server

    def verify_request(self, request, client_address) -> bool:
        self.connections += 1
        if self.connect_latency:
            time.sleep(self.connect_latency)
        return True

    def handle_error(self, request, client_address) -> None:
        # A client that goes away mid-request (a killed job, a timeout) is normal here.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def reset(self, seed: int | None = None) -> None:
        self.faults.clear(seed)
        self.faults.injected = 0
        self.latency = 0.0
        self.connect_latency = 0.0
        for emulator in self.emulators.values():
            emulator.reset()
        with self._log_lock:
            self.log.clear()

    def requests_log(self, provider: str = "") -> list[dict[str, Any]]:
        with self._log_lock:
            return [dict(r) for r in self.log if not provider or r["provider"] == provider]

    def count_requests(self, provider: str, method: str = "", path: str = "") -> int:
        """Requests made to ``provider`` since the last reset, of ``method`` (any if empty), on
        ``path`` or below it (``"/clientes"`` counts ``/clientes/42`` too)."""
        path = path.rstrip("/")
        return sum(
            1
            for r in self.requests_log(provider)
            if (not method or r["method"] == method.upper())
            and (not path or r["path"] == path or r["path"].startswith(path + "/"))
        )

    # -- control API -----------------------------------------------------------------------
    def control(self, action: str, params: dict[str, Any]) -> Any:
        if action == "reset":
            self.reset(params.get("seed"))
            return {"ok": True}
        if action == "latency":
            self.latency = float(params.get("ms", 0)) / 1000.0
            self.connect_latency = float(params.get("connect_ms", 0)) / 1000.0
            # a new VHSYS document is not found before this (a real account: 650 ms)
            self.vhsys.consistency_lag = float(params.get("consistency_ms", 0)) / 1000.0
            return {
                "latency_ms": self.latency * 1000,
                "connect_latency_ms": self.connect_latency * 1000,
                "consistency_ms": self.vhsys.consistency_lag * 1000,
            }
        if action == "faults":
            spec = {
                k: v
                for k, v in params.items()
                if k in ("fault", "provider", "method", "path", "count", "probability", "delay")
            }
            rule = self.faults.add(**spec)
            return {"id": rule.id, "fault": rule.fault}
        if action == "clear_faults":
            self.faults.clear(params.get("seed"))
            return {"ok": True}
        if action == "requests":
            return self.requests_log(params.get("provider", ""))
        if action == "state":
            return {name: e.snapshot() for name, e in self.emulators.items()} | {
                "faults_injected": self.faults.injected,
                "connections": self.connections,
                "latency_ms": self.latency * 1000,
            }
        emulator = self.emulators.get(params.get("provider", ""))
        if emulator is None:
            raise ValueError(f"unknown action {action!r} (or missing 'provider': vhsys|bling)")
        return emulator.control(action, params)


class _Handler(BaseHTTPRequestHandler):
    server: SandboxServer
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm adds
    # ~40 ms to every answer.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        _logger.debug("sandbox: " + format, *args)

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = parsed.path
        if path in ("/", "/index.html"):
            self._send(html(render_page(self.server)))
            return
        if path.startswith("/_control/"):
            self._send(self._control(path.removeprefix("/_control/"), query, headers, body))
            return
        for emulator in self.server.emulators.values():
            if path == emulator.prefix or path.startswith(emulator.prefix + "/"):
                relative = path[len(emulator.prefix) :] or "/"
                self._provider(emulator, Request(self.command, relative, query, headers, body))
                return
        self._send(Response(404, {"error": f"no emulator at {path}"}))

    def _control(self, action: str, query, headers, body: bytes) -> Response:
        params: dict[str, Any] = {k: v[0] for k, v in query.items()}
        if body:
            if headers.get("content-type", "").startswith("application/json"):
                params.update(json.loads(body))
            else:
                params.update({k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()})
        try:
            result = self.server.control(action, params)
        except (ValueError, KeyError) as exc:
            return Response(400, {"error": str(exc)})
        if params.get("redirect"):  # forms of the web page come back to it
            return Response(303, None, headers={"Location": "/"})
        return Response(200, result)

    def _provider(self, emulator, req: Request) -> None:
        server = self.server
        self._arrived = time.time()  # when the ERP would count the request (its rate limits)
        if server.latency:
            time.sleep(server.latency)
        rule = server.faults.take(emulator.name, req.method, req.path)
        fault = rule.fault if rule else ""
        if fault in ("timeout_before_write", "timeout_after_write"):
            if fault == "timeout_after_write":
                emulator.handle(req)
            self._record(emulator.name, req, 0, fault)
            time.sleep(rule.delay)
            self.close_connection = True
            self.connection.close()
            return
        if fault in ("truncated", "truncated_after_write"):
            if fault == "truncated_after_write":
                emulator.handle(req)
            self._record(emulator.name, req, 200, fault)
            self._send_truncated()
            return
        if fault == "revoked_token":
            emulator.revoke_credentials()
            fault = ""  # the emulator now answers as the real ERP does to a revoked credential
        if fault == "server_error_after_write":
            emulator.handle(req)
            resp = Response(500, {"error": "Internal Server Error"})
        elif fault == "garbage":  # a bug on the ERP's side, or an answer we misread: never a crash
            resp = Response(200, {"code": 200, "status": "OK", "data": [["unexpected", 1]]})
        elif fault == "bad_encoding":
            resp = Response(200, b"this is not gzip", headers={"Content-Encoding": "gzip"})
        elif fault == "redirect_loop":
            resp = Response(302, None, headers={"Location": self.path})
        elif fault == "html_rejection":
            resp = html("<html><body><h1>400 Bad Request</h1><p>Request rejected.</p></body></html>", 400)
        elif fault:
            resp = emulator.fault_response(fault)
        else:
            try:
                resp = emulator.handle(req)
            except Exception:  # a sandbox bug must look like an ERP 500, not kill the connection
                _logger.exception("sandbox emulator %s failed on %s %s", emulator.name, req.method, req.path)
                resp = Response(500, {"error": "sandbox internal error"})
        self._record(emulator.name, req, resp.status, rule.fault if rule else "")
        self._send(resp)

    def _record(self, provider: str, req: Request, status: int, fault: str) -> None:
        entry = {
            "t": time.time(),
            "arrived": getattr(self, "_arrived", time.time()),
            "provider": provider,
            "method": req.method,
            "path": req.path,
            "query": {k: v if len(v) > 1 else v[0] for k, v in req.query.items()},
            "status": status,
            "fault": fault,
            "peer": self.client_address[1],  # the client's port: one per connection it keeps
        }
        with self.server._log_lock:
            self.server.log.append(entry)

    def _send_truncated(self) -> None:
        """A chunked answer cut off after its first chunk: the client reads a broken body."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.write(b'40\r\n{"data": {"id": 1')
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(2)  # socket.SHUT_RDWR
        self.connection.close()

    def _send(self, resp: Response) -> None:
        payload = resp.encode()
        self.send_response(resp.status)
        if payload or resp.status not in (204, 303):
            self.send_header("Content-Type", resp.content_type)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:  # the client asked to close: say so, as HTTP/1.1 servers must
            self.send_header("Connection", "close")
        self.end_headers()
        if payload:
            self.wfile.write(payload)


assert set(APPLIES_WRITE) <= set(FAULTS)
