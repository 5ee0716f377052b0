"""Run a command in a running container and get its exit code (asyncio)."""

import asyncio

import dockproto_asyncio


async def main() -> None:
    async with dockproto_asyncio.open_docker() as docker:
        cid = await docker.containers.run("busybox", ["sleep", "600"], detach=True, remove=True)
        try:
            result = await docker.exec.run(cid, ["sh", "-c", "echo checking; exit 7"])
            print("exit code", result.exit_code, "output", result.stdout)
        finally:
            await docker.containers.kill(cid)


asyncio.run(main())
