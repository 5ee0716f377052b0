"""A parameter the negotiated API version lacks is a ValueError naming the version it
needs, raised before anything is sent (both test engines speak 1.41)."""

from __future__ import annotations

import pytest

import dockproto_sync

from .harness import ENGINES


def test_newer_parameter_is_refused_before_sending(engine: str) -> None:
    host = ENGINES[engine]  # (the engine fixture skips, or fails in CI, without it)
    with dockproto_sync.open_docker(host) as docker:
        assert docker.negotiated_version(timeout=30) == "1.41"
        opened = docker._pool.opened
        with pytest.raises(ValueError, match=r"signal.*needs API 1\.42.*1\.41"):
            docker.containers.stop("no-such-container", signal="SIGINT", timeout=30)
        with pytest.raises(ValueError, match=r"shared_size.*needs API 1\.42"):
            docker.images.list(shared_size=True, timeout=30)
        assert docker._pool.opened == opened  # nothing was sent: no connection taken
        docker.images.list(digests=True, timeout=30)  # (1.41 has it: accepted)
