"""Exec: run a command in a running container (create, start, inspect, resize)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .._content import Content
from .._models.exec import ExecInspect
from .._request import Expect, Request, json_body, non_negative, seg


def _eid(exec_id: str) -> str:
    return seg(exec_id, "exec id")


def create(
    container: str,
    cmd: Sequence[str],
    stdin: bool = False,
    stdout: bool = True,
    stderr: bool = True,
    tty: bool = False,
    detach_keys: str | None = None,
    env: Sequence[str] | Mapping[str, str] | None = None,
    privileged: bool = False,
    user: str | None = None,
    workdir: str | None = None,
) -> Request[str]:
    """``POST /containers/{id}/exec``; the answer is the exec id."""
    if isinstance(cmd, str) or not cmd:
        raise ValueError("cmd is a non-empty list of strings (the program and its arguments)")
    cfg: dict[str, object] = {
        "AttachStdin": stdin,
        "AttachStdout": stdout,
        "AttachStderr": stderr,
        "Tty": tty,
        "Cmd": [str(c) for c in cmd],
        "Privileged": privileged,
    }
    if env is not None:
        cfg["Env"] = [f"{k}={v}" for k, v in env.items()] if isinstance(env, Mapping) else [*env]
    if detach_keys:
        cfg["DetachKeys"] = detach_keys
    if user:
        cfg["User"] = user
    if workdir:
        cfg["WorkingDir"] = workdir
    body, headers = json_body(cfg)
    return Request(
        "POST",
        f"/containers/{seg(container, 'container id or name')}/exec",
        body=body,
        headers=headers,
        parse=lambda v: str(v["Id"]),
        container=True,
    )


def start(exec_id: str, tty: bool = False, detach: bool = False) -> Request[None]:
    """``POST /exec/{id}/start``: upgraded to a raw stream, or nothing with ``detach``."""
    body, headers = json_body({"Detach": detach, "Tty": tty})
    if detach:
        return Request(
            "POST", f"/exec/{_eid(exec_id)}/start", body=body, headers=headers, expect=Expect.EMPTY
        )
    return Request(
        "POST",
        f"/exec/{_eid(exec_id)}/start",
        body=body,
        headers=headers,
        expect=Expect.HIJACK,
        content=Content.RAW if tty else Content.MUX,
    )


def inspect(exec_id: str) -> Request[ExecInspect]:
    """``GET /exec/{id}/json`` as ``ExecInspect``."""
    return Request("GET", f"/exec/{_eid(exec_id)}/json", parse=ExecInspect.from_json)


def resize(exec_id: str, height: int, width: int) -> Request[None]:
    """``POST /exec/{id}/resize``: the exec's TTY size in characters."""
    h = non_negative(height, "height")
    w = non_negative(width, "width")
    return Request(
        "POST",
        f"/exec/{_eid(exec_id)}/resize",
        query=(("h", str(h)), ("w", str(w))),
        expect=Expect.EMPTY,
    )
