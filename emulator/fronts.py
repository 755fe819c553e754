"""One TCP front per region: its own 127.0.0.1 port, forwarding bytes to the one moto server.

A front is how a test makes a region fail without touching the others:

- ``refuse``: the port stops listening (ECONNREFUSED) and open connections are reset;
- ``reset``: connections are accepted and reset at once (ECONNRESET);
- ``blackhole``: connections are accepted and never answered (the caller's timeout fires);
- ``delay_ms``: every chunk a client sends waits this long before it is forwarded (a slow region);
- ``services_down``: one service only is gone (``dynamodb`` or ``s3``): a request signed for it
  (its SigV4 credential scope names the service) has its connection reset; the others pass.

``up()`` restores the region on the same port. The moto server itself serves every region (the
SigV4 credential scope names the region), so a front only decides *whether and how fast* a
region's endpoint answers.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Any

MODES = ("up", "refuse", "reset", "blackhole")


def _reset(conn: socket.socket) -> None:
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        conn.close()
    except OSError:
        pass


class Front:
    def __init__(self, region: str, upstream_port: int, host: str = "127.0.0.1"):
        self.region = region
        self.host = host
        self.upstream = (host, upstream_port)
        self.mode = "up"
        self.delay_ms = 0
        self.services_down: frozenset[str] = frozenset()
        self.port = 0
        self.listener: socket.socket | None = None
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.listen()

    # ---- control -------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {"port": self.port, "mode": self.mode, "reachable": self.mode == "up", "delayMs": self.delay_ms,
                "servicesDown": sorted(self.services_down)}

    def service_down(self, service: str) -> bool:
        """Whether this region cannot serve `service` ("dynamodb" or "s3") at all."""
        return self.mode != "up" or service in self.services_down

    def set(self, mode: str | None = None, delay_ms: int | None = None, services_down: list[str] | None = None) -> None:
        if delay_ms is not None:
            self.delay_ms = max(0, int(delay_ms))
        if services_down is not None:
            wanted = frozenset(services_down)
            unknown = wanted - {"dynamodb", "s3"}
            if unknown:
                raise ValueError(f"servicesDown takes dynamodb and s3, got {sorted(unknown)}")
            if wanted - self.services_down:
                self.drop_connections()  # a kept-alive connection must not outlive the outage
            self.services_down = wanted
        if mode is None or mode == self.mode:
            return
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        previous, self.mode = self.mode, mode
        if mode != "up" or previous == "blackhole":
            self.drop_connections()  # nothing opened in one mode survives into the next
        if mode == "refuse":
            self.close_listener()
        elif previous == "refuse":
            self.listen()

    def drop_connections(self) -> None:
        with self.lock:
            conns, self.connections = self.connections, set()
        for c in conns:
            _reset(c)

    # ---- sockets ---------------------------------------------------------------------------
    def listen(self) -> None:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((self.host, self.port))
        s.listen(128)
        self.port = s.getsockname()[1]
        self.listener = s
        threading.Thread(target=self.accept_loop, args=(s,), name=f"front-{self.region}", daemon=True).start()

    def close_listener(self) -> None:
        s, self.listener = self.listener, None
        if s is not None:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def accept_loop(self, s: socket.socket) -> None:
        while True:
            try:
                conn, _ = s.accept()
            except OSError:
                return  # listener closed
            if self.mode == "reset" or self.mode == "refuse":
                _reset(conn)
                continue
            with self.lock:
                self.connections.add(conn)
            if self.mode == "blackhole":
                continue  # held open, never answered, reset when the region comes back or changes
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream)
        except OSError:
            _reset(client)
            return
        with self.lock:
            self.connections.add(upstream)
        threading.Thread(target=self.pump, args=(upstream, client, False), daemon=True).start()
        self.pump(client, upstream, True)

    def pump(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if from_client and self.delay_ms:
                    time.sleep(self.delay_ms / 1000)
                if self.mode != "up":
                    break
                if from_client and any(f"/{svc}/aws4_request".encode() in data for svc in self.services_down):
                    _reset(src)
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            with self.lock:
                self.connections.discard(src)
            if not from_client:  # the response side ended: the exchange is over
                with self.lock:
                    self.connections.discard(dst)
                for sock in (src, dst):
                    try:
                        sock.close()
                    except OSError:
                        pass
