"""A TCP proxy in front of PostgreSQL that a test can cut and restore, as a network or a
failover would: :meth:`DatabaseProxy.cut` closes every connection and refuses new ones,
:meth:`DatabaseProxy.restore` listens again on the same port."""

from __future__ import annotations

import asyncio
import contextlib

from sqlalchemy.engine import make_url


class DatabaseProxy:
    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self._url = url
        self._target = (url.host or "127.0.0.1", url.port or 5432)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._pipes: set[asyncio.Task[None]] = set()
        self.port = 0
        self.connections = 0

    def url(self, password: str | None = None) -> str:
        """The database's URL through the proxy (with ``password``, if given)."""
        url = self._url.set(host="127.0.0.1", port=self.port)
        if password is not None:
            url = url.set(password=password)
        return url.render_as_string(hide_password=False)

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Listens (on the same port as before, after a cut)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def cut(self) -> None:
        """Every connection closed at once, and new ones refused until :meth:`restore`."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, not a polite goodbye
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, upstream_writer}
        pipes = {
            asyncio.create_task(_pipe(reader, upstream_writer)),
            asyncio.create_task(_pipe(upstream_reader, writer)),
        }
        self._pipes |= pipes
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            for end in (writer, upstream_writer):
                end.transport.abort()
            self._writers -= {writer, upstream_writer}
            self._pipes -= pipes


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
