"""A threaded loopback WSGI server for the reference Nova (wsgiref)."""

from __future__ import annotations

import io
import logging
import socketserver
import threading
from typing import Any
from wsgiref import simple_server

from migabortclient.reference import app as app_mod

LOG = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class _Handler(simple_server.WSGIRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        # Requests go to the app's own log, never with headers or bodies.
        LOG.debug("reference nova: " + format, *args)

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.send_error(414)
            return
        if not self.parse_request():
            return
        path = self.path.split("?", 1)[0]
        app = self.server.nova
        drop = app.faults.peek_drop(self.command, path)
        if drop is not None and drop.drop_after:
            # Nova runs the request; its answer never reaches the client.
            self._run_and_discard(app)
            self.close_connection = True
            return
        if drop is not None:
            # Close without a response, as a crashed proxy would.
            with app._lock:
                app.requests.append(
                    app_mod.RequestRecord(self.command, path, None)
                )
            self.close_connection = True
            return
        handler = simple_server.ServerHandler(
            self.rfile,
            self.wfile,  # type: ignore[arg-type]
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(app)

    def _run_and_discard(self, app: app_mod.NovaApp) -> None:
        discard = io.BytesIO()
        handler = simple_server.ServerHandler(
            self.rfile,
            discard,
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(app)


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    nova: app_mod.NovaApp


class ReferenceServer:
    """Serve a :class:`NovaApp` on 127.0.0.1 from a background thread."""

    def __init__(self, nova: app_mod.NovaApp, port: int = 0) -> None:
        self.nova = nova
        self._httpd = _Server((LOOPBACK, port), _Handler)
        self._httpd.nova = nova
        self._httpd.set_app(nova)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"reference-nova-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self.nova.faults.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        # Joins the request threads still running (block_on_close).
        self._httpd.server_close()
