"""Fixtures for the tests against real engines: dockerd 20.10 and podman 4.3.

``scripts/engines start`` prints the addresses; ``scripts/test`` exports them as
``DOCKPROTO_DOCKER_HOST`` and ``DOCKPROTO_PODMAN_HOST``, and the test image as
``DOCKPROTO_TEST_IMAGE``.  Without them these tests are skipped, unless
``DOCKPROTO_REQUIRE_ENGINES=1`` (as in CI), which makes a missing engine an error.

The bodies in ``_async/`` and ``_sync/`` run on every client (``harness.py``: the
``client`` parametrization, and the hooks below that run them on their loop).  The trio
fixtures here are for the trio tests beside them (``test_cli.py``,
``test_trio_cancel.py``).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

import dockproto_trio

from . import harness
from ._async import support
from .harness import ENGINES, IMAGE, TrioLoop

Containers = support.Containers

__all__ = ["ENGINES", "IMAGE", "Containers"]


@pytest.fixture
def engine(request: Any) -> str:
    """The engine's name; parametrized below (``pytest_generate_tests``)."""
    name = str(request.param)
    if not ENGINES[name]:
        if os.environ.get("DOCKPROTO_REQUIRE_ENGINES") == "1":
            pytest.fail(f"no {name} engine: run scripts/engines start")
        pytest.skip(f"no {name} engine (set DOCKPROTO_{name.upper()}_HOST)")
    return name


@pytest.fixture
def image() -> str:
    return IMAGE


@pytest.fixture
async def docker(engine: str) -> AsyncIterator[dockproto_trio.Docker]:
    async with support.open_client(TrioLoop(), ENGINES[engine]) as client:
        yield client


@pytest.fixture
async def containers(docker: dockproto_trio.Docker) -> AsyncIterator[Containers]:
    async with support.made_containers(TrioLoop(), docker, IMAGE) as made:
        yield made


# -- the bodies of _async/ and _sync/, on every client -------------------------------------


@pytest.hookimpl(tryfirst=True)  # (before the parametrize marks': ids read [trio-docker-x])
def pytest_generate_tests(metafunc: Any) -> None:
    """Every test against both engines; with ``client``, on each of its clients too."""
    if "engine" not in metafunc.fixturenames:
        return
    if "client" in metafunc.fixturenames:
        pairs = harness.runs(metafunc.definition)
        ids = [f"{client}-{engine}" for client, engine in pairs]
        metafunc.parametrize(("client", "engine"), pairs, indirect=["engine"], ids=ids)
    else:
        metafunc.parametrize("engine", harness.engines(metafunc.definition), indirect=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # pytest-trio's trio_mode marks every async test as trio's: these run on their own.
    for item in items:
        if harness.flavour(item.path):
            item.own_markers[:] = [m for m in item.own_markers if m.name != "trio"]
    # With DOCKPROTO_TEST_CLIENTS, a body none of whose clients is kept is deselected
    # (pytest would report it skipped for an empty parameter set).
    if os.environ.get("DOCKPROTO_TEST_CLIENTS"):
        dropped = [
            i
            for i in items
            if "client" in i.fixturenames
            and any("empty parameter set" in str(m.kwargs) for m in i.iter_markers("skip"))
        ]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if i not in dropped]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: Any) -> bool | None:
    if not harness.flavour(pyfuncitem.path):
        return None
    harness.run(pyfuncitem)
    return True
