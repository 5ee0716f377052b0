"""Run 5 workers at once, their output streamed live, stdout and stderr apart
(blocking: one client shared by 5 threads)."""

from concurrent.futures import ThreadPoolExecutor

import dockproto
import dockproto_sync

SCRIPT = "for i in 1 2 3; do echo step $i; echo warning $i >&2; done"


def printer(worker: int):
    def show(chunk: dockproto.StreamChunk) -> None:
        for line in chunk.data.decode().splitlines():
            print(f"[worker {worker}] {chunk.stream.name.lower()}: {line}")

    return show


def main() -> None:
    with dockproto_sync.open_docker() as docker, ThreadPoolExecutor(5) as pool:

        def worker(n: int) -> int:
            cmd = ["sh", "-c", SCRIPT]
            return docker.containers.run("busybox", cmd, remove=True, output=printer(n)).exit_code

        print("exit codes:", list(pool.map(worker, range(5))))


main()
