"""A threaded loopback WSGI server for the reference Nova (wsgiref).

It speaks HTTP/1.1 with persistent connections, as Nova behind eventlet
or uWSGI does: one thread per connection serves requests one after the
other until the client sends ``Connection: close`` (or speaks HTTP/1.0
without ``Connection: keep-alive``), the connection drops, it stays idle
for ``idle_timeout`` seconds, it has served ``max_requests`` requests, or
the server stops.  Every response is framed by its ``Content-Length``; a
response without one is followed by a close.  A request body is read
only through a reader limited to its ``Content-Length`` and whatever the
app left unread is drained before the next request.  A body without a
``Content-Length`` (``Transfer-Encoding: chunked``) is refused with 411
and a close.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import socket
import socketserver
import threading
import time
from typing import Any
from wsgiref import headers as wsgiref_headers
from wsgiref import simple_server

from migabortclient.reference import app as app_mod

LOG = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"

# A keep-alive connection waiting longer than this for its next request
# is closed (eventlet's keepalive, nginx's keepalive_timeout).
IDLE_TIMEOUT = 60.0
# Requests served on one connection before it is closed (nginx's default
# keepalive_requests).
MAX_REQUESTS = 1000
# A body the app left unread is drained up to this size; a larger rest
# closes the connection instead.
MAX_DRAIN = 1 << 20
# How long stop() lets requests in flight finish before cutting them.
STOP_GRACE = 5.0

_CHUNK = 65536


class _BodyReader(io.RawIOBase):
    """``wsgi.input``: the request body, never past its Content-Length."""

    def __init__(self, rfile: io.BufferedIOBase, length: int) -> None:
        super().__init__()
        self._rfile = rfile
        self.remaining = length

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        if size == 0:
            return b""
        data = self._rfile.read(size)
        self.remaining -= len(data)
        if len(data) < size:
            # The client went away mid-body: nothing more will come.
            self.remaining = 0
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self.remaining:
            size = self.remaining
        if size == 0:
            return b""
        data = self._rfile.readline(size)
        self.remaining -= len(data)
        if not data:
            self.remaining = 0
        return data

    def drain(self, limit: int) -> bool:
        """Read and discard the rest; False if it is too long or cut."""
        if self.remaining > limit:
            return False
        # Bounded: every pass reads at least one byte or ends the loop.
        while self.remaining:
            if not self.read(min(self.remaining, _CHUNK)):
                return False
        return True


class _ServerHandler(simple_server.ServerHandler):
    """wsgiref's handler, answering HTTP/1.1 and judging the framing."""

    http_version = "1.1"
    request_handler: _Handler
    # wsgiref's per-response state (set on BaseHandler, untyped there).
    status: str | None
    headers: wsgiref_headers.Headers | None
    headers_sent: bool
    bytes_sent: int
    # Whether the response was complete and self-delimiting, so the
    # connection can carry another one; set when the response finishes.
    framed = False

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        assert self.headers is not None and self.status is not None
        rh = self.request_handler
        if not _has_length(self.status, self.headers):
            rh.close_connection = True
        if rh.server.is_stopping():
            rh.close_connection = True
        if rh.close_connection:
            self.headers["Connection"] = "close"
        elif rh.request_version == "HTTP/1.0":
            # A 1.0 client that asked for keep-alive is told it got it.
            self.headers["Connection"] = "keep-alive"

    def close(self) -> None:
        try:
            self.framed = self._response_complete()
        finally:
            super().close()

    def _response_complete(self) -> bool:
        if not self.headers_sent or self.status is None:
            return False
        assert self.headers is not None
        if not _has_length(self.status, self.headers):
            return False
        length = self.headers.get("Content-Length")
        if length is None or self.request_handler.command == "HEAD":
            return self.bytes_sent == 0
        return self.bytes_sent == int(length)


def _has_length(status: str, headers: Any) -> bool:
    """Whether the client can tell where this response ends."""
    code = int(status[:3])
    if code in (204, 304) or 100 <= code < 200:
        return True
    length = headers.get("Content-Length")
    return length is not None and length.isdigit()


@dataclasses.dataclass
class _Connection:
    sock: socket.socket
    thread: threading.Thread
    idle: bool = False  # waiting for the next request line
    cut: bool = False  # shut down by stop()


class _Handler(simple_server.WSGIRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # A response is written to a buffer and sent at once when flushed:
    # wsgiref writes its status line, headers and body separately, and on
    # a persistent connection small segments would wait for the client's
    # delayed ACK (Nagle), some 40 ms per request.
    wbufsize = 65536
    _last_request = False

    def setup(self) -> None:
        super().setup()
        # Bounds every wait on the socket: the idle wait for the next
        # request as well as a stalled read or write within one.
        self.connection.settimeout(self.server.idle_timeout)
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def finish(self) -> None:
        # The buffered writer flushes again on close: a client already
        # gone must not turn into a traceback.
        try:
            super().finish()
        except OSError:
            self.rfile.close()

    def handle_expect_100(self) -> bool:
        answered = super().handle_expect_100()
        self.wfile.flush()
        return answered

    def log_message(self, format: str, *args: Any) -> None:
        # Requests go to the app's own log, never with headers or bodies.
        LOG.debug("reference nova: " + format, *args)

    def handle(self) -> None:
        conn = self.server.connection(self.request)
        # Bounded: at most max_requests passes, each waiting at most
        # idle_timeout for its request; stop() cuts idle waits short.
        for served in range(1, self.server.max_requests + 1):
            self.close_connection = True
            if not self._next_request(conn):
                return
            self._last_request = served == self.server.max_requests
            try:
                self._handle_one()
                self.wfile.flush()
            except OSError:
                # The client went away (reset, timeout): nothing to answer.
                self.close_connection = True
            if self.close_connection:
                return

    def _next_request(self, conn: _Connection) -> bool:
        """Wait for a request line; False if the connection is done."""
        if not self.server.mark_idle(conn):
            return False
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except OSError:  # idle timeout, reset, or cut by stop()
            self.raw_requestline = b""
        if not self.server.mark_busy(conn):
            # stop() cut the connection while it waited: even a request
            # line read just before is abandoned, unanswered.
            return False
        return bool(self.raw_requestline)

    def _handle_one(self) -> None:
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():
            # parse_request has answered (400, 505...) and set the close.
            return
        # parse_request kept the connection open for HTTP/1.1 unless
        # "Connection: close", and for HTTP/1.0 only on "keep-alive".
        if self._last_request:
            self.close_connection = True
        body = self._body_reader()
        if body is None:
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0]
        app = self.server.nova
        drop = app.faults.peek_drop(self.command, path)
        if drop is not None and drop.drop_after:
            # Nova runs the request; its answer never reaches the client.
            self._run(app, body, io.BytesIO())
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
        handler = self._run(app, body, self.wfile)
        self.wfile.flush()
        # An unframed response (or a client gone) ends the connection;
        # otherwise read what the app left of the body, even before a
        # close: closing on unread data would reset the connection under
        # the response.
        if not handler.framed or not body.drain(MAX_DRAIN):
            self.close_connection = True

    def _body_reader(self) -> _BodyReader | None:
        """The request body's reader, or None after refusing it."""
        if "Transfer-Encoding" in self.headers:
            # Only Content-Length framing is understood; eventlet would
            # decode a chunked body, this server asks for a length.
            self.send_error(
                411, explain="A request body needs a Content-Length."
            )
            return None
        lengths = self.headers.get_all("Content-Length") or []
        if not lengths:
            return _BodyReader(self.rfile, 0)
        if len(set(lengths)) != 1 or not lengths[0].strip().isdigit():
            self.send_error(400, explain="Bad Content-Length.")
            return None
        return _BodyReader(self.rfile, int(lengths[0]))

    def _run(
        self, app: app_mod.NovaApp, body: _BodyReader, out: Any
    ) -> _ServerHandler:
        handler = _ServerHandler(
            body,
            out,
            self.get_stderr(),
            self.get_environ(),
            multithread=True,
        )
        handler.request_handler = self
        handler.run(app)
        return handler


class _Server(socketserver.ThreadingMixIn, simple_server.WSGIServer):
    # Connections are tracked and joined (bounded) by ReferenceServer.stop.
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    nova: app_mod.NovaApp

    def __init__(
        self,
        address: tuple[str, int],
        idle_timeout: float = IDLE_TIMEOUT,
        max_requests: int = MAX_REQUESTS,
    ) -> None:
        super().__init__(address, _Handler)
        self.idle_timeout = idle_timeout
        self.max_requests = max_requests
        self.connections_accepted = 0
        self._conn_lock = threading.Lock()
        self._conns: dict[socket.socket, _Connection] = {}
        self._stopping = False

    # -- connection tracking (all under _conn_lock) --------------------------
    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"reference-nova-conn-{client_address[1]}",
            daemon=True,
        )
        with self._conn_lock:
            if self._stopping:
                self.shutdown_request(request)
                return
            self.connections_accepted += 1
            self._conns[request] = _Connection(request, thread)
        thread.start()

    def process_request_thread(
        self, request: Any, client_address: Any
    ) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            # Forgotten before it closes: stop() never touches a closed
            # socket.
            with self._conn_lock:
                self._conns.pop(request, None)
            self.shutdown_request(request)

    def connection(self, request: socket.socket) -> _Connection:
        with self._conn_lock:
            return self._conns[request]

    def is_stopping(self) -> bool:
        with self._conn_lock:
            return self._stopping

    def mark_idle(self, conn: _Connection) -> bool:
        """Before waiting for a request; False once stopping."""
        with self._conn_lock:
            if self._stopping:
                return False
            conn.idle = True
            return True

    def mark_busy(self, conn: _Connection) -> bool:
        """After the wait; False if stop() cut the connection meanwhile."""
        with self._conn_lock:
            conn.idle = False
            return not conn.cut

    def begin_stop(self) -> None:
        """Refuse new connections and cut those waiting for a request."""
        with self._conn_lock:
            self._stopping = True
            for conn in self._conns.values():
                if conn.idle:
                    self._cut(conn)

    def end_stop(self, grace: float) -> None:
        """Join connection threads; cut what is still busy after grace."""
        deadline = time.monotonic() + grace
        for thread in self._threads_left():
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._conn_lock:
            for conn in self._conns.values():
                self._cut(conn)
        for thread in self._threads_left():
            thread.join(1.0)

    def _threads_left(self) -> list[threading.Thread]:
        with self._conn_lock:
            return [conn.thread for conn in self._conns.values()]

    @staticmethod
    def _cut(conn: _Connection) -> None:
        conn.cut = True
        with contextlib.suppress(OSError):  # already reset by the client
            conn.sock.shutdown(socket.SHUT_RDWR)


class ReferenceServer:
    """Serve a :class:`NovaApp` on 127.0.0.1 from a background thread."""

    def __init__(
        self,
        nova: app_mod.NovaApp,
        port: int = 0,
        idle_timeout: float = IDLE_TIMEOUT,
        max_requests: int = MAX_REQUESTS,
    ) -> None:
        self.nova = nova
        self._httpd = _Server(
            (LOOPBACK, port),
            idle_timeout=idle_timeout,
            max_requests=max_requests,
        )
        self._httpd.nova = nova
        self._httpd.set_app(nova)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted so far (keep-alive reuses them)."""
        return self._httpd.connections_accepted

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
        """Stop serving; bounded even with clients holding connections.

        Requests in flight finish (injected latency is cut short) and
        their connections close after the response; connections waiting
        for their next request are shut down at once.
        """
        self.nova.faults.stopping.set()
        self._httpd.begin_stop()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()
        self._httpd.end_stop(STOP_GRACE)
