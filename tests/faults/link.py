"""A TCP link between one worker process and the dev server that a test can cut.

Freezing the server (SIGSTOP) does not stop a worker from *sending*: the kernel still takes the
bytes into the frozen server's socket, and the server reads them when it is thawed. A fault test
that must lose a completion for certain (the worker reported nothing before it died) cuts this link
instead: from `cut()` on, whatever either side sends is read and dropped, as a network partition
would drop it, and both sides' connections stay open, so neither learns of the cut.
"""

from __future__ import annotations

import asyncio
import contextlib


class Link:
    def __init__(self, server_address: str) -> None:
        host, _, port = server_address.rpartition(":")
        self._target = (host, int(port))
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._pipes: set[asyncio.Task] = set()
        self.is_cut = False

    async def open(self) -> str:
        """Listens on a free local port; returns the address a worker should dial."""
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"{host}:{port}"

    def cut(self) -> None:
        self.is_cut = True

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in self._writers:
            writer.close()
        for pipe in list(self._pipes):
            pipe.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _connect(self, from_worker: asyncio.StreamReader, to_worker: asyncio.StreamWriter) -> None:
        try:
            from_server, to_server = await asyncio.open_connection(*self._target)
        except OSError:
            to_worker.close()  # the server is down: the worker sees its connection refused, as it would directly
            return
        self._writers += [to_worker, to_server]
        for pipe in (self._pipe(from_worker, to_server), self._pipe(from_server, to_worker)):
            task = asyncio.create_task(pipe)
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while data := await source.read(1 << 16):
                if not self.is_cut:
                    sink.write(data)
                    await sink.drain()
        if not self.is_cut:  # a side that hangs up before the cut hangs up the other side too
            sink.close()
