"""Run 5 workers at once, their output streamed live, stdout and stderr apart (trio)."""

import trio

import dockproto
import dockproto_trio

SCRIPT = "for i in 1 2 3; do echo step $i; echo warning $i >&2; done"


def printer(worker: int):
    def show(chunk: dockproto.StreamChunk) -> None:
        for line in chunk.data.decode().splitlines():
            print(f"[worker {worker}] {chunk.stream.name.lower()}: {line}")

    return show


async def main() -> None:
    codes = {}
    async with dockproto_trio.open_docker() as docker:

        async def worker(n: int) -> None:
            cmd = ["sh", "-c", SCRIPT]
            result = await docker.containers.run("busybox", cmd, remove=True, output=printer(n))
            codes[n] = result.exit_code

        async with trio.open_nursery() as nursery:
            for n in range(5):
                nursery.start_soon(worker, n)
    print("exit codes:", [codes[n] for n in range(5)])


trio.run(main)
