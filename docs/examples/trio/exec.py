"""Run a command in a running container and get its exit code (trio)."""

import trio

import dockproto_trio


async def main() -> None:
    async with dockproto_trio.open_docker() as docker:
        cid = await docker.containers.run("busybox", ["sleep", "600"], detach=True, remove=True)
        try:
            result = await docker.exec.run(cid, ["sh", "-c", "echo checking; exit 7"])
            print("exit code", result.exit_code, "output", result.stdout)
        finally:
            await docker.containers.kill(cid)


trio.run(main)
