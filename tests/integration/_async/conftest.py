"""The fixtures of these bodies: made in the test's own loop run (``harness.run``)."""

from ..harness import containers, docker, loop, rootfs_url

__all__ = ["containers", "docker", "loop", "rootfs_url"]
