"""One version string: the installed distribution's version is ``dockproto.__version__``
(pyproject.toml reads it from the source)."""

from __future__ import annotations

import importlib.metadata

import dockproto


def test_distribution_version_is_the_package_version() -> None:
    """What pip reports for dockproto is what ``dockproto.__version__`` says."""
    assert importlib.metadata.version("dockproto") == dockproto.__version__
