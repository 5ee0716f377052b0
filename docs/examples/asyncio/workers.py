"""Run 5 workers at once, their output streamed live, stdout and stderr apart (asyncio)."""

import asyncio

import dockproto
import dockproto_asyncio

SCRIPT = "for i in 1 2 3; do echo step $i; echo warning $i >&2; done"


def printer(worker: int):
    def show(chunk: dockproto.StreamChunk) -> None:
        for line in chunk.data.decode().splitlines():
            print(f"[worker {worker}] {chunk.stream.name.lower()}: {line}")

    return show


async def main() -> None:
    async with dockproto_asyncio.open_docker() as docker:
        runs = [
            docker.containers.run("busybox", ["sh", "-c", SCRIPT], remove=True, output=printer(n))
            for n in range(5)
        ]
        results = await asyncio.gather(*runs)
        print("exit codes:", [r.exit_code for r in results])


asyncio.run(main())
