"""Run a container and print its output (blocking)."""

import dockproto_sync


def main() -> None:
    with dockproto_sync.open_docker() as docker:  # DOCKER_HOST, or the local daemon
        result = docker.containers.run("busybox", "echo hello from a container", remove=True)
        print(result.stdout.decode(), end="")  # stderr is apart, in result.stderr


main()
