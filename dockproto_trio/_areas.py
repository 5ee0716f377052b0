"""The API areas on ``docker``: ``containers``, ``exec``, ``images``, ``networks``,
``volumes``.  Each method builds a request with ``dockproto.api`` and runs it through
the client's drive loop; streams come back as ``DockerStream``, ``EventStream`` or
``TarStream``.
"""

from __future__ import annotations

import builtins
import os
from collections.abc import AsyncIterable, AsyncIterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import trio

from dockproto import (
    Change,
    ContainerSummary,
    ExecInspect,
    ExecResult,
    FromBody,
    FromImage,
    ImageSource,
    ImageSummary,
    StreamChunk,
    api,
)

from ._auth import auth_for
from ._streams import (
    DockerStream,
    EventStream,
    ExecStream,
    StreamContext,
    TarStream,
)

if TYPE_CHECKING:
    from ._client import Docker

# Streamed uploads are read from files in pieces of this size.
UPLOAD_PIECE = 1 << 16


async def _file_pieces(path: str) -> AsyncIterator[bytes]:
    async with await trio.open_file(path, "rb") as f:
        while True:
            piece = await f.read(UPLOAD_PIECE)
            if not piece:
                return
            yield piece


def upload_body(data: bytes | str | os.PathLike[str] | AsyncIterable[bytes]) -> Any:
    """Bytes, a file path (read in pieces) or an async iterable: never read whole."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, (str, os.PathLike)):
        return _file_pieces(os.fspath(data))
    if hasattr(data, "__aiter__"):
        return data
    raise ValueError("upload data is bytes, a file path, or an async iterable of bytes")


class _Area:
    def __init__(self, docker: Docker) -> None:
        self._docker = docker


class Containers(_Area):
    """``docker.containers``."""

    async def list(
        self,
        all: bool = False,
        limit: int | None = None,
        since: str | None = None,
        before: str | None = None,
        size: bool = False,
        filters: Mapping[str, Any] | None = None,
        **named_filters: Any,
    ) -> builtins.list[ContainerSummary]:
        """The containers (running only, unless ``all``)."""
        req = api.containers.list(all, limit, since, before, size, filters, **named_filters)
        value: builtins.list[ContainerSummary] = await self._docker.request(req)
        return value

    async def create(self, image: str, cmd: Sequence[str] | None = None, **kwargs: Any) -> str:
        """Create a container; returns its id.  Keywords as ``dockproto.api.containers.create``."""
        cid: str = await self._docker.request(api.containers.create(image, cmd, **kwargs))
        self._docker.remember_tty(cid, bool(kwargs.get("tty", False)))
        return cid

    async def inspect(self, container: str, size: bool = False) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.containers.inspect(container, size))
        return value

    async def changes(self, container: str) -> builtins.list[Change]:
        value: builtins.list[Change] = await self._docker.request(api.containers.changes(container))
        return value

    async def top(self, container: str, ps_args: str | None = None) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.containers.top(container, ps_args))
        return value

    async def start(self, container: str, detach_keys: str | None = None) -> None:
        """Start; a container already started is not an error."""
        await self._docker.request(api.containers.start(container, detach_keys))

    async def stop(self, container: str, wait: int | None = None) -> None:
        """Stop; a container already stopped is not an error."""
        await self._docker.request(api.containers.stop(container, wait))

    async def restart(self, container: str, wait: int | None = None) -> None:
        await self._docker.request(api.containers.restart(container, wait))

    async def kill(self, container: str, signal: int | str | None = None) -> None:
        await self._docker.request(api.containers.kill(container, signal))

    async def pause(self, container: str) -> None:
        await self._docker.request(api.containers.pause(container))

    async def unpause(self, container: str) -> None:
        await self._docker.request(api.containers.unpause(container))

    async def wait(self, container: str, condition: str | None = None) -> int:
        """Wait until the container stops; its exit code."""
        code: int = await self._docker.request(api.containers.wait(container, condition))
        return code

    async def rm(
        self, container: str, volumes: bool = False, force: bool = False, link: bool = False
    ) -> None:
        await self._docker.request(api.containers.rm(container, volumes, force, link))

    async def rename(self, container: str, name: str) -> None:
        await self._docker.request(api.containers.rename(container, name))

    async def update(self, container: str, **resources: Any) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(
            api.containers.update(container, **resources)
        )
        return value

    async def resize(self, container: str, height: int, width: int) -> None:
        await self._docker.request(api.containers.resize(container, height, width))

    async def prune(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.containers.prune(filters))
        return value

    async def commit(self, container: str, **kwargs: Any) -> str:
        value = await self._docker.request(api.containers.commit(container, **kwargs))
        return str(value["Id"])

    def attach(
        self,
        container: str,
        logs: bool = False,
        stream: bool = True,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        detach_keys: str | None = None,
        *,
        tty: bool | None = None,
    ) -> StreamContext[DockerStream]:
        """``async with docker.containers.attach(id, ...) as s``: a ``DockerStream``."""

        async def open_() -> DockerStream:
            is_tty = tty if tty is not None else await self._docker.container_tty(container)
            req = api.containers.attach(
                container, logs, stream, stdin, stdout, stderr, detach_keys, tty=is_tty
            )
            return await self._docker.hijack(req)

        return StreamContext(open_)

    def logs(
        self,
        container: str,
        stdout: bool = True,
        stderr: bool = True,
        follow: bool = False,
        since: int | float | None = None,
        until: int | float | None = None,
        timestamps: bool = False,
        tail: int | str | None = None,
        *,
        tty: bool | None = None,
    ) -> EventStream[StreamChunk]:
        """``async for chunk in docker.containers.logs(id)``: ``StreamChunk``s, streams apart."""
        api.containers.logs(container, stdout, stderr, follow, since, until, timestamps, tail)

        async def start() -> Any:
            is_tty = tty if tty is not None else await self._docker.container_tty(container)
            req = api.containers.logs(
                container, stdout, stderr, follow, since, until, timestamps, tail, tty=is_tty
            )
            return await self._docker._start(req)

        return EventStream(start)

    def stats(self, container: str) -> EventStream[Any]:
        """``async for s in docker.containers.stats(id)``: a sample a second, as dicts.

        For one sample, ``await docker.containers.stats_once(id)``.
        """
        return self._docker.stream(api.containers.stats(container, stream=True), values=True)

    async def stats_once(self, container: str, one_shot: bool = True) -> dict[str, Any]:
        """One stats sample (``one_shot`` skips the daemon's second sample)."""
        value: dict[str, Any] = await self._docker.request(
            api.containers.stats(container, stream=False, one_shot=one_shot)
        )
        return value

    def export(self, container: str) -> TarStream:
        """``async with docker.containers.export(id) as tar``: tar items, streamed."""
        stream = self._docker.stream(api.containers.export(container), cls=TarStream)
        assert isinstance(stream, TarStream)
        return stream

    def get_archive(self, container: str, path: str) -> TarStream:
        """``async with docker.containers.get_archive(id, path) as tar``; ``tar.stat``."""
        stream = self._docker.stream(api.containers.get_archive(container, path), cls=TarStream)
        assert isinstance(stream, TarStream)
        return stream

    async def stat_archive(self, container: str, path: str) -> dict[str, Any] | None:
        """The stat of ``path`` in the container (``HEAD .../archive``)."""
        exchange = await self._docker._start(api.containers.stat_archive(container, path))
        head, _ = await exchange.read_all()
        return api.containers.path_stat(head)

    async def put_archive(
        self,
        container: str,
        path: str,
        data: bytes | str | os.PathLike[str] | AsyncIterable[bytes],
        **kwargs: Any,
    ) -> None:
        """Unpack the tar ``data`` (bytes, a file path, or an async iterable) at ``path``."""
        req = api.containers.put_archive(container, path, **kwargs)
        await self._docker.request(req, upload_body(data))


class Exec(_Area):
    """``docker.exec``."""

    async def create(self, container: str, cmd: Sequence[str], **kwargs: Any) -> str:
        """Create an exec; returns its id.  Keywords as ``dockproto.api.exec.create``."""
        eid: str = await self._docker.request(api.exec.create(container, cmd, **kwargs))
        return eid

    def start(self, exec_id: str, tty: bool = False) -> StreamContext[ExecStream]:
        """``async with docker.exec.start(exec_id) as s``: an ``ExecStream`` (a
        ``DockerStream`` that also gives ``await s.exit_code()``)."""
        req = api.exec.start(exec_id, tty=tty)

        async def open_() -> ExecStream:
            stream = await self._docker.hijack(req)
            return ExecStream(stream._exchange, stream.hijacked, exec_id, self.exit_code)

        return StreamContext(open_)

    async def inspect(self, exec_id: str) -> ExecInspect:
        value: ExecInspect = await self._docker.request(api.exec.inspect(exec_id))
        return value

    async def resize(self, exec_id: str, height: int, width: int) -> None:
        await self._docker.request(api.exec.resize(exec_id, height, width))

    async def exit_code(self, exec_id: str) -> int:
        """The exit code of a finished exec.

        The daemon records the code a moment after the output ends, so this asks again,
        backing off from 1 ms to 100 ms, while the exec is reported running.
        """
        delay = 0.001
        while True:
            info = await self.inspect(exec_id)
            if info.exit_code is not None:
                return info.exit_code
            await trio.sleep(delay)
            delay = min(delay * 2, 0.1)

    async def run(
        self,
        container: str,
        cmd: Sequence[str],
        stdin: bytes | None = None,
        *,
        tty: bool = False,
        **kwargs: Any,
    ) -> ExecResult:
        """Run ``cmd`` to its end: ``ExecResult(exit_code, stdout, stderr)``.

        ``stdin`` bytes are written, then stdin is half-closed while output is read.
        """
        eid = await self.create(container, cmd, stdin=stdin is not None, tty=tty, **kwargs)
        async with self.start(eid, tty=tty) as stream:
            if stdin is None:
                out, err = await stream.collect()
            else:
                result: tuple[bytes, bytes] = (b"", b"")

                async def reader() -> None:
                    nonlocal result
                    result = await stream.collect()

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(reader)
                    if stdin:
                        await stream.send_all(stdin)
                    await stream.send_eof()
                out, err = result
        return ExecResult(await self.exit_code(eid), out, err)


class Images(_Area):
    """``docker.images``."""

    async def list(
        self, all: bool = False, filters: Mapping[str, Any] | None = None
    ) -> builtins.list[ImageSummary]:
        value: builtins.list[ImageSummary] = await self._docker.request(
            api.images.list(all, filters)
        )
        return value

    def create(
        self,
        source: ImageSource,
        platform: str | None = None,
        auth: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> EventStream[Any]:
        """Pull or import: progress ``JSONMessage``s; an in-stream error raises."""
        if isinstance(source, FromImage) and auth is None:
            api.images.create(source, platform, auth, **kwargs)  # check before sending
            image = source

            async def start() -> Any:
                creds = await auth_for(image.name)
                req = api.images.create(image, platform, creds, **kwargs)
                return await self._docker._start(req)

            return EventStream(start, raise_errors=True)
        body = upload_body(source.data) if isinstance(source, FromBody) else None
        req = api.images.create(source, platform, auth, **kwargs)
        return self._docker.stream(req, body, raise_errors=True)

    def pull(
        self,
        name: str,
        tag: str | None = None,
        platform: str | None = None,
        auth: Mapping[str, Any] | None = None,
    ) -> EventStream[Any]:
        """Pull ``name``: progress ``JSONMessage``s; an in-stream error raises.

        Without ``auth``, credentials come from the docker CLI's config (``auths``,
        ``credsStore``, ``credHelpers``) when it has some for the image's registry.
        """

        api.images.pull(name, tag, platform, auth)  # check the arguments before anything is sent

        async def start() -> Any:
            creds = auth if auth is not None else await auth_for(name)
            return await self._docker._start(api.images.pull(name, tag, platform, creds))

        return EventStream(start, raise_errors=True)

    def import_(
        self,
        data: bytes | str | os.PathLike[str] | AsyncIterable[bytes],
        repo: str | None = None,
        tag: str | None = None,
        **kwargs: Any,
    ) -> EventStream[Any]:
        """Import a root filesystem tar (bytes, a file path or an async iterable)."""
        req = api.images.import_(repo, tag, **kwargs)
        return self._docker.stream(req, upload_body(data), raise_errors=True)

    async def inspect(self, name: str) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.images.inspect(name))
        return value

    async def history(self, name: str) -> builtins.list[dict[str, Any]]:
        value: builtins.list[dict[str, Any]] = await self._docker.request(api.images.history(name))
        return value

    async def tag(self, name: str, repo: str, tag: str | None = None) -> None:
        await self._docker.request(api.images.tag(name, repo, tag))

    async def rm(
        self, name: str, force: bool = False, noprune: bool = False
    ) -> builtins.list[dict[str, Any]]:
        value: builtins.list[dict[str, Any]] = await self._docker.request(
            api.images.rm(name, force, noprune)
        )
        return value

    def push(
        self, name: str, tag: str | None = None, auth: Mapping[str, Any] | None = None
    ) -> EventStream[Any]:
        """Push ``name``: progress ``JSONMessage``s; credentials as for ``pull``."""
        api.images.push(name, tag, auth)  # check the arguments before anything is sent

        async def start() -> Any:
            creds = auth if auth is not None else await auth_for(name)
            return await self._docker._start(api.images.push(name, tag, creds))

        return EventStream(start, raise_errors=True)

    async def search(
        self, term: str, limit: int | None = None, filters: Mapping[str, Any] | None = None
    ) -> builtins.list[dict[str, Any]]:
        value: builtins.list[dict[str, Any]] = await self._docker.request(
            api.images.search(term, limit, filters)
        )
        return value

    async def prune(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.images.prune(filters))
        return value

    def save(self, names: str | Sequence[str]) -> TarStream:
        """``async with docker.images.save(name) as tar``: the image tar, streamed."""
        stream = self._docker.stream(api.images.save(names), cls=TarStream)
        assert isinstance(stream, TarStream)
        return stream

    def load(
        self, data: bytes | str | os.PathLike[str] | AsyncIterable[bytes], quiet: bool = False
    ) -> EventStream[Any]:
        """Load an image tar (streamed upload): progress ``JSONMessage``s."""
        return self._docker.stream(api.images.load(quiet), upload_body(data), raise_errors=True)


class Networks(_Area):
    """``docker.networks``."""

    async def list(self, filters: Mapping[str, Any] | None = None) -> builtins.list[dict[str, Any]]:
        value: builtins.list[dict[str, Any]] = await self._docker.request(
            api.networks.list(filters)
        )
        return value

    async def create(self, name: str, driver: str | None = None, **kwargs: Any) -> str:
        value = await self._docker.request(api.networks.create(name, driver, **kwargs))
        return str(value["Id"])

    async def inspect(self, network: str, verbose: bool = False) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.networks.inspect(network, verbose))
        return value

    async def connect(self, network: str, container: str, **kwargs: Any) -> None:
        await self._docker.request(api.networks.connect(network, container, **kwargs))

    async def disconnect(self, network: str, container: str, force: bool = False) -> None:
        await self._docker.request(api.networks.disconnect(network, container, force))

    async def rm(self, network: str) -> None:
        await self._docker.request(api.networks.rm(network))

    async def prune(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.networks.prune(filters))
        return value


class Volumes(_Area):
    """``docker.volumes``."""

    async def list(self, filters: Mapping[str, Any] | None = None) -> builtins.list[dict[str, Any]]:
        value: builtins.list[dict[str, Any]] = await self._docker.request(api.volumes.list(filters))
        return value

    async def create(self, name: str | None = None, **kwargs: Any) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.volumes.create(name, **kwargs))
        return value

    async def inspect(self, name: str) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.volumes.inspect(name))
        return value

    async def rm(self, name: str, force: bool = False) -> None:
        await self._docker.request(api.volumes.rm(name, force))

    async def prune(self, filters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        value: dict[str, Any] = await self._docker.request(api.volumes.prune(filters))
        return value
