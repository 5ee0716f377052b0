"""``Backend.uncancelled``: what ``containers.run`` uses so that a create cancelled
half-way still brings back the new container's id (to kill it).  The function runs to
its end; the cancellation then goes on."""

from __future__ import annotations

import asyncio

import trio

import dockproto
import dockproto_asyncio
import dockproto_trio

SPEC = dockproto.HostSpec("unix:///nowhere", "unix", path="/nowhere")


def test_trio() -> None:
    backend = dockproto_trio.Backend(SPEC, None)
    done: list[int] = []

    async def main() -> None:
        started, release = trio.Event(), trio.Event()

        async def fn() -> None:
            started.set()
            await release.wait()
            done.append(1)

        async def call() -> None:
            await backend.uncancelled(fn, 30)
            done.append(2)  # (never: the cancellation goes on)

        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(call)
                await started.wait()
                nursery.cancel_scope.cancel()
                release.set()

    trio.run(main)
    assert done == [1]


def test_asyncio() -> None:
    backend = dockproto_asyncio.Backend(SPEC, None)
    done: list[int] = []

    async def main() -> None:
        started, release = asyncio.Event(), asyncio.Event()

        async def fn() -> None:
            started.set()
            await release.wait()
            done.append(1)

        async def call() -> None:
            await backend.uncancelled(fn, 30)
            done.append(2)

        task = asyncio.ensure_future(call())
        await started.wait()
        task.cancel()
        await asyncio.sleep(0)  # (the task takes its cancellation, and waits for fn)
        release.set()
        try:
            await asyncio.wait_for(task, 30)
        except asyncio.CancelledError:
            done.append(3)

    asyncio.run(main())
    assert done == [1, 3]
