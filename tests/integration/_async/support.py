"""What the bodies share: the ``Loop`` they are given, ``Containers``, and the fixtures
made in the test's loop run (``fixtures``), each torn down within its teardown limit
whether the body passed or not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any, Protocol, TypeVar

import dockproto
from dockproto._drive.aio import Docker

T = TypeVar("T")

__all__ = [
    "Containers",
    "Docker",
    "Loop",
    "engine_wide",
    "fixtures",
    "made_containers",
    "open_client",
    "prune_label",
]


class Loop(Protocol):
    """The body's loop (``tests/integration/harness.py`` has one per client)."""

    name: str  # "trio", "asyncio", "uvloop", "sync"

    def open_docker(self, host: str | None) -> AbstractAsyncContextManager[Docker]: ...
    async def sleep(self, seconds: float) -> None: ...
    async def checkpoint(self) -> None: ...  # other tasks' turn
    def fail_after(self, seconds: float) -> AbstractAsyncContextManager[None]: ...
    def teardown_limit(self) -> AbstractAsyncContextManager[None]: ...
    async def run_blocking(self, fn: Callable[..., T], *args: Any) -> T: ...
    async def run_both(  # both at once; the first error cancels the other and raises
        self, first: Callable[[], Awaitable[None]], second: Callable[[], Awaitable[None]]
    ) -> None: ...
    def serve_tars(self) -> AbstractAsyncContextManager[Callable[[bytes], str]]: ...


class Containers:
    """Creates containers with unique names and removes them at the end of the test."""

    def __init__(self, docker: Docker, image: str) -> None:
        self.docker = docker
        self.image = image
        self.ids: list[str] = []

    async def create(self, cmd: list[str] | None = None, **kwargs: Any) -> str:
        kwargs.setdefault("name", f"dp-{uuid.uuid4().hex[:12]}")
        cid: str = await self.docker.containers.create(self.image, cmd, **kwargs)
        self.ids.append(cid)
        return cid

    async def remove_all(self) -> None:
        for cid in self.ids:
            try:
                await self.docker.containers.rm(cid, force=True)
            except Exception:
                pass  # (the test removed it already, or the engine is gone: reported there)


def prune_label() -> tuple[dict[str, str], dict[str, list[str]]]:
    """A label of this test's own, and the prune filter that takes only what carries it
    (so that two test runs at once never prune each other's)."""
    value = uuid.uuid4().hex[:12]
    return {"dockproto.prune": value}, {"label": [f"dockproto.prune={value}"]}


# What an engine answers when a call that walks all its containers meets another
# process's doings (another test run, or anything else on the machine): dockerd runs one
# prune of a kind at a time; podman 4.3 fails when a container it lists is removed
# before it reads its state.
ENGINE_RACES = (
    "a prune operation is already running",  # dockerd: 409
    "does not exist in database",  # podman: 500 "container <id> does not exist in database"
)


async def engine_wide(loop: Loop, call: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
    """``call(**kwargs)``, a call that walks all the engine's containers (df, info, a
    prune), made again while its answer is one of ``ENGINE_RACES``."""
    async with loop.fail_after(60):
        while True:
            try:
                return await call(**kwargs)
            except (dockproto.Conflict, dockproto.ServerError) as exc:
                if not any(race in exc.message for race in ENGINE_RACES):
                    raise
            await loop.sleep(0.1)


@asynccontextmanager
async def open_client(loop: Loop, host: str | None) -> AsyncIterator[Docker]:
    """The ``docker`` fixture: a client of the loop's kind for ``host``."""
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(loop.open_docker(host))
        try:
            yield client
        finally:
            async with loop.teardown_limit():
                await stack.aclose()


@asynccontextmanager
async def made_containers(loop: Loop, docker: Docker, image: str) -> AsyncIterator[Containers]:
    """The ``containers`` fixture: every container it made is force-removed at the end."""
    made = Containers(docker, image)
    try:
        yield made
    finally:
        async with loop.teardown_limit():
            await made.remove_all()


@asynccontextmanager
async def fixtures(
    loop: Loop, host: str | None, image: str, names: Collection[str]
) -> AsyncIterator[dict[str, Any]]:
    """The fixtures named in ``names`` (``docker``, ``containers``, ``rootfs_url``)."""
    made: dict[str, Any] = {}
    async with AsyncExitStack() as stack:
        if "rootfs_url" in names:
            made["rootfs_url"] = await stack.enter_async_context(loop.serve_tars())
        if "docker" in names or "containers" in names:
            docker = await stack.enter_async_context(open_client(loop, host))
            made["docker"] = docker
            if "containers" in names:
                made["containers"] = await stack.enter_async_context(
                    made_containers(loop, docker, image)
                )
        yield made
