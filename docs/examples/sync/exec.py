"""Run a command in a running container and get its exit code (blocking)."""

import dockproto_sync


def main() -> None:
    with dockproto_sync.open_docker() as docker:
        cid = docker.containers.run("busybox", ["sleep", "600"], detach=True, remove=True)
        try:
            result = docker.exec.run(cid, ["sh", "-c", "echo checking; exit 7"])
            print("exit code", result.exit_code, "output", result.stdout)
        finally:
            docker.containers.kill(cid)


main()
