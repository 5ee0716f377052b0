"""Run a container and print its output (asyncio)."""

import asyncio

import dockproto_asyncio


async def main() -> None:
    async with dockproto_asyncio.open_docker() as docker:  # DOCKER_HOST, or the local daemon
        result = await docker.containers.run("busybox", "echo hello from a container", remove=True)
        print(result.stdout.decode(), end="")  # stderr is apart, in result.stderr


asyncio.run(main())
