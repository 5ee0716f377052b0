"""``Docker``: the trio client.  ``open_docker()`` makes one.

Every call builds a ``dockproto.Request`` with ``dockproto.api`` and runs it through an
``Exchange`` (the one drive loop).  The API version is negotiated on first use: the lower
of the client's maximum and the daemon's, unless ``api_version`` or
``DOCKER_API_VERSION`` pins it.
"""

from __future__ import annotations

import collections
import os
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import trio

import dockproto
from dockproto import (
    Hijacked,
    Request,
    Response,
    Result,
    Version,
    api,
)
from dockproto._version import CLIENT_MAX_API, negotiate, parse_api_version

from ._exchange import Exchange, Pool
from ._streams import DockerStream, EventStream
from ._transport import Transport, resolve

# Plain requests at once per client (more wait their turn): measured best with as many
# idle connections kept (200 concurrent inspects: 0.079 s against 0.116 s with 128
# requests and 6 idle), and far below the default limit of 1,024 open files.
MAX_CONCURRENT_REQUESTS = 64
# TTY settings remembered per container id.
MAX_TTY_CACHE = 1024


class Docker:
    """A client for one daemon.  Use ``async with open_docker() as docker``."""

    def __init__(self, transport: Transport, *, api_version: str | None = None) -> None:
        self.transport = transport
        self._pool = Pool(transport)
        if api_version is not None:
            parse_api_version(api_version)
        self._api_version: str | None = api_version
        self._negotiate_lock = trio.Lock()
        self._limiter = trio.CapacityLimiter(MAX_CONCURRENT_REQUESTS)
        self._tty: collections.OrderedDict[str, bool] = collections.OrderedDict()
        from ._areas import Containers, Exec, Images, Networks, Volumes

        self.containers = Containers(self)
        self.exec = Exec(self)
        self.images = Images(self)
        self.networks = Networks(self)
        self.volumes = Volumes(self)

    # -- version ----------------------------------------------------------------

    @property
    def api_version(self) -> str | None:
        """The API version in use (None until negotiated)."""
        return self._api_version

    async def negotiated_version(self) -> str:
        """The API version, negotiating it with ``/_ping`` on first use."""
        if self._api_version is not None:
            return self._api_version
        async with self._negotiate_lock:
            if self._api_version is None:
                await self._ping()
        assert self._api_version is not None
        return self._api_version

    async def _ping(self) -> str:
        """``GET /_ping``; its head negotiates the version when none is set yet."""
        exchange = Exchange(self._pool, api.system.ping())
        await exchange.open(None)
        head, (body,) = await exchange.read_all()
        assert isinstance(head, Response) and isinstance(body, Result)
        if self._api_version is None:
            self._api_version = negotiate(head, client_max=CLIENT_MAX_API)
        return str(body.value)

    # -- the drive loop's entry points ------------------------------------------

    async def _start(
        self, request: Request[Any], body: AsyncIterable[bytes] | bytes | None = None
    ) -> Exchange:
        version = await self.negotiated_version() if request.versioned else None
        exchange = Exchange(self._pool, request)
        await exchange.open(version, body)
        return exchange

    async def request(
        self, request: Request[Any], body: AsyncIterable[bytes] | bytes | None = None
    ) -> Any:
        """Run a whole-answer request and return its typed value (errors raise)."""
        async with self._limiter:
            exchange = await self._start(request, body)
            _, events = await exchange.read_all()
        if len(events) != 1 or not isinstance(events[0], Result):
            raise dockproto.ProtocolError(f"unexpected events for a whole answer: {events!r}")
        return events[0].value

    def stream(
        self,
        request: Request[Any],
        body: AsyncIterable[bytes] | bytes | None = None,
        *,
        raise_errors: bool = False,
        values: bool = False,
        cls: type[EventStream[Any]] = EventStream,
    ) -> EventStream[Any]:
        """A streamed answer, opened lazily: ``async for item in docker.stream(req)``."""
        return cls(lambda: self._start(request, body), raise_errors=raise_errors, values=values)

    async def hijack(self, request: Request[Any]) -> DockerStream:
        """Send an upgrade request and hand back the raw stream."""
        exchange = await self._start(request)
        try:
            head = await exchange.read_head()
            if isinstance(head, Hijacked):
                return DockerStream(exchange, head)
            # A daemon that answers 200 without upgrading: output follows until close,
            # but stdin cannot be sent.  Treat it as a stream all the same.
            assert isinstance(head, Response)
            multiplexed = request.content is dockproto._decode.Content.MUX
            return DockerStream(exchange, Hijacked(head.headers, multiplexed))
        except BaseException:
            await exchange.abort()
            raise

    # -- system -----------------------------------------------------------------

    async def ping(self) -> str:
        """``GET /_ping``: ``"OK"`` (and the API version is negotiated, if not yet)."""
        async with self._limiter:
            return await self._ping()

    async def version(self) -> Version:
        """The daemon's ``Version``."""
        value = await self.request(api.system.version())
        assert isinstance(value, Version)
        return value

    async def info(self) -> dict[str, Any]:
        """``GET /info``."""
        value = await self.request(api.system.info())
        assert isinstance(value, dict)
        return value

    async def df(self) -> dict[str, Any]:
        """``GET /system/df``."""
        value = await self.request(api.system.df())
        assert isinstance(value, dict)
        return value

    def events(
        self,
        since: int | float | str | None = None,
        until: int | float | str | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> EventStream[Any]:
        """``async for e in docker.events(...)``: each event as a dict."""
        return self.stream(api.system.events(since, until, filters), values=True)

    # -- TTY settings, learnt once per container --------------------------------
    # Keyed by full container id only: a name can be given to another container later.
    # Bounded (least recently used out), like every other store of the client.

    def remember_tty(self, container_id: str, tty: bool) -> None:
        self._tty[container_id] = tty
        self._tty.move_to_end(container_id)
        while len(self._tty) > MAX_TTY_CACHE:
            self._tty.popitem(last=False)

    async def container_tty(self, container: str) -> bool:
        """The container's TTY setting: from ``create``, else one ``inspect`` (cached)."""
        if container in self._tty:
            self._tty.move_to_end(container)
            return self._tty[container]
        info = await self.request(api.containers.inspect(container))
        tty = bool((info.get("Config") or {}).get("Tty"))
        if info.get("Id"):
            self.remember_tty(str(info["Id"]), tty)
        return tty

    # -- lifetime ---------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every idle connection."""
        await self._pool.aclose()

    async def __aenter__(self) -> Docker:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


@asynccontextmanager
async def open_docker(
    host: str | None = None,
    *,
    api_version: str | None = None,
    tls: bool | ssl.SSLContext | None = None,
) -> AsyncIterator[Docker]:
    """A client for ``host`` (else ``DOCKER_HOST``, else ``unix:///var/run/docker.sock``).

    ``DOCKER_TLS_VERIFY``, ``DOCKER_CERT_PATH`` and ``DOCKER_API_VERSION`` are honoured
    as the docker CLI does.  Nothing is sent before the first call.
    """
    transport = resolve(host, tls)
    pinned = api_version or os.environ.get("DOCKER_API_VERSION") or None
    docker = Docker(transport, api_version=pinned)
    try:
        yield docker
    finally:
        await docker.aclose()
