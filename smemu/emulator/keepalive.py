"""Kept-alive HTTP connections to local containers, one pool per thread: an endpoint answers many
small requests, and a new TCP connection for each would cost more than the answer."""

from __future__ import annotations

import http.client
import socket
import threading


class ConnectionPool:
    def __init__(self, timeout: float):
        self.timeout = timeout
        self._local = threading.local()

    def post(self, url, path: str, body: bytes, headers: dict) -> tuple[int, bytes, str | None]:
        """POST ``path`` on a kept-alive connection of this thread to ``url``'s host and port
        (a ``urllib.parse.urlsplit`` result); once more on a fresh one if the kept one was
        closed meanwhile. (status, body, Content-Type) of the answer."""
        connections = self._local.__dict__.setdefault("by_address", {})
        key = (url.hostname, url.port)
        for attempt in (1, 2):
            connection = connections.pop(key, None)
            fresh = connection is None
            if fresh:
                connection = http.client.HTTPConnection(*key, timeout=self.timeout)
                connection.connect()
                connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                answer = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if fresh or attempt == 2:
                    raise
                continue
            except BaseException:
                connection.close()
                raise
            if response.will_close:
                connection.close()
            else:
                connections[key] = connection
            return response.status, answer, response.getheader("Content-Type")
        raise AssertionError("unreachable")
