"""Follow a container's logs until a line appears (blocking)."""

import dockproto_sync

SCRIPT = "for i in 1 2 3 4 5; do echo loading $i; sleep 0.1; done; echo READY; sleep 600"


def main() -> None:
    with dockproto_sync.open_docker() as docker:
        cid = docker.containers.run("busybox", ["sh", "-c", SCRIPT], detach=True, remove=True)
        try:
            with docker.containers.logs(cid, stdout=True, follow=True) as logs:
                for chunk in logs:
                    if b"READY" in chunk.data:
                        print("the server is ready")
                        break
        finally:
            docker.containers.kill(cid)  # (remove=True: the engine then removes it)


main()
