"""Tools for the fault tests: gunicorn on the suite's database, and a door to PostgreSQL
that a test can shut (new connections refused, open ones cut) and open again."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from subprocess import Popen

from sqlalchemy import make_url

from benchmarks.workshop_load import free_port, gunicorn

WORKERS, THREADS = 2, 16  # as the README's gunicorn command
# Another setting may one day be needed to let gunicorn serve SQLite with several workers;
# these tests want exactly that, so they say so wherever it is read.
SETTINGS = {"BOUNDARY_ALLOW_SQLITE_WORKERS": "true"}


@contextlib.contextmanager
def served(database_url: str, workers: int = WORKERS) -> Iterator[tuple[Popen[bytes], int]]:
    """gunicorn (gthread, `workers` processes) serving the app on a free port."""
    port = free_port()
    with gunicorn(
        database_url, port, workers=workers, threads=THREADS, ready_path="/", settings=SETTINGS
    ) as server:
        yield server, port


class Door:
    """A TCP relay in front of PostgreSQL. Shut, nothing listens on its port (a connection
    is refused, as from a server that is down) and every relayed connection is cut."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.links: list[socket.socket] = []
        self.lock = threading.Lock()

    def url(self, database_url: str) -> str:
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def open(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def shut(self) -> None:
        if self.listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone would leave the
            # socket listening until the next connection arrived.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for link in self.links:
                with contextlib.suppress(OSError):
                    link.shutdown(socket.SHUT_RDWR)
                link.close()
            self.links.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # shut
            server = socket.create_connection(self.target)
            with self.lock:
                self.links += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
