"""Follow a container's logs until a line appears (asyncio)."""

import asyncio

import dockproto_asyncio

SCRIPT = "for i in 1 2 3 4 5; do echo loading $i; sleep 0.1; done; echo READY; sleep 600"


async def main() -> None:
    async with dockproto_asyncio.open_docker() as docker:
        cid = await docker.containers.run("busybox", ["sh", "-c", SCRIPT], detach=True, remove=True)
        try:
            async with docker.containers.logs(cid, stdout=True, follow=True) as logs:
                async for chunk in logs:
                    if b"READY" in chunk.data:
                        print("the server is ready")
                        break
        finally:
            await docker.containers.kill(cid)  # (remove=True: the engine then removes it)


asyncio.run(main())
