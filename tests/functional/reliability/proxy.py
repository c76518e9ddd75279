"""A loopback HTTP proxy that can lose an answer *after* Nova acted.

The reference Nova's own ``drop`` fault closes the connection before
the request runs. A proxy that dies after forwarding is the other,
harder case: the request ran, the answer never arrives. ``LossyProxy``
forwards each request (one per connection) to the reference Nova, reads
the whole answer, and for a request matching ``drop_after`` closes the
client's connection without a byte. Bounded: socket timeouts, a fixed
number of drops, and a stop that joins its threads.
"""

from __future__ import annotations

import re
import socket
import threading

_TIMEOUT = 10.0


def _read_message(sock: socket.socket) -> bytes:
    """One HTTP message (headers plus Content-Length body), or b""."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
        if len(data) > 1 << 20:
            raise ValueError("header too large")
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _force_close(head: bytes) -> bytes:
    lines = [
        ln
        for ln in head.split(b"\r\n")
        if not ln.lower().startswith(b"connection:")
    ]
    return b"\r\n".join([*lines, b"Connection: close"])


class LossyProxy:
    def __init__(self, backend_port: int) -> None:
        self.backend_port = backend_port
        self.drop_after: tuple[str, re.Pattern[bytes]] | None = None
        self.drops_left = 0
        self.dropped: list[str] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def lose_answer(
        self, method: str, path_regex: str, count: int = 1
    ) -> None:
        """Forward the next ``count`` matching requests, drop the answer."""
        with self._lock:
            self.drop_after = (method.upper(), re.compile(path_regex.encode()))
            self.drops_left = count

    def stop(self) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=_TIMEOUT + 1)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(
                target=self._serve, args=(client,), daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _should_drop(self, request: bytes) -> bool:
        line = request.split(b"\r\n", 1)[0]
        parts = line.split(b" ")
        if len(parts) < 2:
            return False
        method, target = parts[0].decode(), parts[1].split(b"?", 1)[0]
        with self._lock:
            if self.drop_after is None or self.drops_left <= 0:
                return False
            want, regex = self.drop_after
            if method != want or not regex.search(target):
                return False
            self.drops_left -= 1
            self.dropped.append(f"{method} {target.decode()}")
            return True

    def _serve(self, client: socket.socket) -> None:
        with client:
            client.settimeout(_TIMEOUT)
            try:
                request = _read_message(client)
                if not request:
                    return
                head, _, body = request.partition(b"\r\n\r\n")
                request = _force_close(head) + b"\r\n\r\n" + body
                drop = self._should_drop(request)
                with socket.create_connection(
                    ("127.0.0.1", self.backend_port), timeout=_TIMEOUT
                ) as upstream:
                    upstream.sendall(request)
                    answer = _read_message(upstream)
                if drop:
                    # Nova acted; the client hears nothing.
                    client.shutdown(socket.SHUT_RDWR)
                    return
                head, _, body = answer.partition(b"\r\n\r\n")
                client.sendall(_force_close(head) + b"\r\n\r\n" + body)
            except OSError:
                return
