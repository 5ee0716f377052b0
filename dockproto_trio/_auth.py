"""Registry credentials, read as the docker CLI reads them.

The decision (which of ``credHelpers``, ``credsStore`` and ``auths`` answers for an
image, Docker Hub's aliases, the helper's answer) is ``dockproto.credentials_for``'s;
here are the I/O around it: reading ``config.json`` and running the helper program.
"""

from __future__ import annotations

from typing import Any

import trio

from dockproto import (
    CredentialError,
    CredentialHelperCall,
    credentials_for,
    docker_config_path,
    registry_of,
)

from ._transport import _environ


def config_path() -> str:
    """``$DOCKER_CONFIG/config.json``, default ``~/.docker/config.json``."""
    return docker_config_path(_environ())


async def _run_helper(call: CredentialHelperCall) -> dict[str, Any] | None:
    try:
        done = await trio.run_process(
            call.argv, stdin=call.stdin, capture_stdout=True, capture_stderr=True, check=False
        )
    except FileNotFoundError:
        raise call.program_missing() from None
    return call.answer(done.returncode, done.stdout, done.stderr)


async def auth_for(image: str, path: str | None = None) -> dict[str, Any] | None:
    """The credentials for ``image``'s registry from the docker CLI's config, or None."""
    path = path or config_path()
    try:
        async with await trio.open_file(path, "rb") as f:
            text = await f.read()
    except FileNotFoundError:
        return None
    found = credentials_for(text, image, source=path)
    if isinstance(found, CredentialHelperCall):
        return await _run_helper(found)
    return found


__all__ = ["CredentialError", "auth_for", "registry_of"]
