"""Run a container and print its output (trio)."""

import trio

import dockproto_trio


async def main() -> None:
    async with dockproto_trio.open_docker() as docker:  # DOCKER_HOST, or the local daemon
        result = await docker.containers.run("busybox", "echo hello from a container", remove=True)
        print(result.stdout.decode(), end="")  # stderr is apart, in result.stderr


trio.run(main)
