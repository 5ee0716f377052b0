"""Upload data of the wrong shape is a ValueError before anything is sent, on every
client (a plain iterable is not an async client's upload)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import trio

import dockproto_asyncio
import dockproto_sync
import dockproto_trio

NOWHERE = "unix:///nonexistent/dockproto-test.sock"  # connecting would fail loudly


@pytest.mark.parametrize("data", [[b"x"], (b"x",), 5], ids=["list", "tuple", "int"])
def test_async_clients_refuse_a_plain_iterable(data: Any) -> None:
    async def check(module: Any) -> None:
        async with module.open_docker(NOWHERE, api_version="1.41") as docker:
            with pytest.raises(ValueError, match="upload data is bytes, a file path, or an"):
                docker.images.load(data)
            with pytest.raises(ValueError, match="upload data is bytes, a file path, or an"):
                await docker.containers.put_archive("c1", "/", data)
            assert docker._pool.opened == 0

    asyncio.run(check(dockproto_asyncio))
    trio.run(check, dockproto_trio)


def test_blocking_client_takes_iterables_and_refuses_the_rest() -> None:
    with dockproto_sync.open_docker(NOWHERE, api_version="1.41") as docker:
        with pytest.raises(ValueError, match="an iterable of bytes"):
            docker.images.load(5)  # type: ignore[arg-type]
        assert docker._pool.opened == 0
        with pytest.raises(dockproto_sync.DockerConnectionError):  # (taken: it connects)
            list(docker.images.load([b"x"]))
