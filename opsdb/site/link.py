"""An emulated long link: a TCP proxy on loopback that delays, stalls on loss, and can be cut.

Used by bench/longlink.py (250 ms round trip, with and without loss) and by the simulated
outage. Every chunk read from one side is forwarded to the other `delay` seconds later, in
order. Loss is emulated as TCP shows it to the application: a chunk that lost one of its
packets (probability `1 - (1 - loss) ** packets`) arrives one retransmission later
(`rto_extra` plus a round trip), holding back everything behind it. Window limits and
congestion control are not emulated (docs/site.md). A cut link is silent: bytes are held,
new connections are accepted and hear nothing; at `restore()` every connection that lived
through the cut is reset, as TCP gives up on a long outage.

Run alone: `python -m opsdb.site.link --upstream HOST:PORT|/socket/dir/.s.PGSQL.5432 --delay-ms 125`
prints the port it listens on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import random
import sys
from urllib.parse import parse_qs, urlsplit, urlunsplit

MSS = 1448


def upstream_of(dsn: str) -> str:
    """Where a PostgreSQL URL connects: "host:port", or the Unix socket's path."""
    parts = urlsplit(dsn)
    host = parts.hostname or ""
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    port = parts.port or 5432
    if socket_dir or not host or host.startswith("/"):
        return f"{socket_dir or host or '/var/run/postgresql'}/.s.PGSQL.{port}"
    return f"{host}:{port}"


def via(dsn: str, port: int, host: str = "127.0.0.1") -> str:
    """The same URL reaching its server through a proxy listening on host:port."""
    parts = urlsplit(dsn)
    user = parts.username or "postgres"
    auth = user if parts.password is None else f"{user}:{parts.password}"
    query = "&".join(
        f"{k}={v}" for k, values in parse_qs(parts.query).items() if k not in ("host", "port") for v in values
    )
    return urlunsplit((parts.scheme, f"{auth}@{host}:{port}", parts.path, query, ""))


class LinkProxy:
    """A delaying, optionally lossy, cuttable TCP proxy to `upstream` ("host:port" or a Unix socket path)."""

    def __init__(
        self, upstream: str, *, delay: float = 0.0, loss: float = 0.0, rto_extra: float = 0.2, seed: int = 0
    ) -> None:
        self.upstream = upstream
        self.delay = delay
        self.loss = loss
        self.rto_extra = rto_extra
        self._rng = random.Random(seed)
        self._server: asyncio.AbstractServer | None = None
        self._cut = False
        self._restored = asyncio.Event()
        self._restored.set()
        self._live: set[asyncio.StreamWriter] = set()
        self._through_cut: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.stalls = 0

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._server = await asyncio.start_server(self._handle, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._live):
            writer.transport.abort()
        self._restored.set()

    @property
    def is_cut(self) -> bool:
        return self._cut

    def cut(self) -> None:
        """Silence the link: nothing passes until `restore()`."""
        self._cut = True
        self._restored.clear()
        self._through_cut.update(self._live)

    def restore(self) -> None:
        """Reopen the link; connections that lived through the cut are reset."""
        self._cut = False
        for writer in list(self._through_cut):
            writer.transport.abort()
        self._through_cut.clear()
        self._restored.set()

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.upstream.startswith("/"):
            return await asyncio.open_unix_connection(self.upstream)
        host, _, port = self.upstream.rpartition(":")
        return await asyncio.open_connection(host, int(port))

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._live.add(client_writer)
        if self._cut:
            self._through_cut.add(client_writer)
        up_writer: asyncio.StreamWriter | None = None
        try:
            await self._restored.wait()
            if client_writer.transport.is_closing():
                return
            up_reader, up_writer = await self._open_upstream()
            self._live.add(up_writer)
            await asyncio.gather(
                self._pump(client_reader, up_writer),
                self._pump(up_reader, client_writer),
            )
        except (OSError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # (a handler task ends quietly: the stream machinery reads its outcome)
        finally:
            for writer in (client_writer, up_writer):
                if writer is not None:
                    self._live.discard(writer)
                    self._through_cut.discard(writer)
                    writer.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward reader -> writer, each chunk `delay` later (plus a stall on emulated loss), in order."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                while self._cut:
                    await self._restored.wait()
                if not data:
                    with contextlib.suppress(OSError):
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(send())
        last = 0.0
        try:
            while True:
                data = await reader.read(65536)
                due = loop.time() + self.delay
                if data and self.loss:
                    packets = math.ceil(len(data) / MSS)
                    if self._rng.random() < 1 - (1 - self.loss) ** packets:
                        due += self.rto_extra + 2 * self.delay
                        self.stalls += 1
                last = max(due, last)
                queue.put_nowait((last, data))
                if not data:
                    break
            await sender
        finally:
            if not sender.done():
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender


async def _serve(args: argparse.Namespace) -> None:
    proxy = LinkProxy(args.upstream, delay=args.delay_ms / 2000, loss=args.loss, seed=args.seed)
    port = await proxy.start(port=args.port)
    print(port, flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="delay-injecting TCP proxy (an emulated long link)")
    parser.add_argument("--upstream", required=True, help="host:port, or a Unix socket path")
    parser.add_argument("--delay-ms", type=float, default=250.0, help="round-trip time added (ms)")
    parser.add_argument("--loss", type=float, default=0.0, help="packet loss probability (emulated as stalls)")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(parser.parse_args()))
    sys.exit(0)


if __name__ == "__main__":
    main()
