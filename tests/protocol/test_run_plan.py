"""``containers.run``'s sans-IO policy: the image reference grammar, and the plan it
makes before anything is sent."""

from __future__ import annotations

import json

import pytest

from dockproto._run import RUN_LABEL, ImageReference, parse_reference, plan_run, split_command

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    "ref, parsed",
    [
        ("busybox", ImageReference(None, "busybox", None, None)),
        ("me/app:1.0", ImageReference(None, "me/app", "1.0", None)),
        ("localhost/app", ImageReference("localhost", "app", None, None)),
        ("localhost:5000/a/b:v", ImageReference("localhost:5000", "a/b", "v", None)),
        ("reg.example.com/a__b/c-d:x", ImageReference("reg.example.com", "a__b/c-d", "x", None)),
        (f"app@{DIGEST}", ImageReference(None, "app", None, DIGEST)),
        (f"r.io/app:t@{DIGEST}", ImageReference("r.io", "app", "t", DIGEST)),
        ("[::1]:5000/app", ImageReference("[::1]:5000", "app", None, None)),
    ],
)
def test_references(ref: str, parsed: ImageReference) -> None:
    assert parse_reference(ref) == parsed


@pytest.mark.parametrize(
    "ref",
    ["", "Busybox", "Me/app", "a b", "app:", "app:-x", "/app", "app/", "a//b", "app@sha256:12",
     "app:" + "x" * 129, "-app", "app?x"],
)  # fmt: skip
def test_bad_references(ref: str) -> None:
    with pytest.raises(ValueError, match="image reference"):
        parse_reference(ref)


def test_pull_tag_defaults_to_latest() -> None:
    """A pull with no tag would fetch every tag: ``latest`` is asked for."""
    assert parse_reference("localhost:5000/app").pull_tag == "latest"
    assert parse_reference("app:v2").pull_tag == "v2"
    assert parse_reference(f"app:v2@{DIGEST}").pull_tag == DIGEST
    assert parse_reference("localhost:5000/app:v2").repository == "localhost:5000/app"


def test_split_command() -> None:
    assert split_command("echo 'hello world' \"x y\"") == ["echo", "hello world", "x y"]
    assert split_command(["a", "b c"]) == ["a", "b c"]
    assert split_command(None) is None
    for bad in ("", "echo 'open", ["a", 1]):
        with pytest.raises(ValueError):
            split_command(bad)  # type: ignore[arg-type]


def plan(**kwargs: object) -> object:
    args: dict[str, object] = dict(
        detach=False, remove=False, pull="missing", stdin=None, check=True, token="t0k", create={}
    )
    args.update(kwargs)
    return plan_run("busybox", "echo hi", **args)  # type: ignore[arg-type]


def test_attached_plan() -> None:
    """Attached: stdout and stderr, stdin only with input (then open, once); the
    command split; a remove=True run labelled so that a cancelled create is found."""
    p = plan(stdin=b"in", remove=True, create={"labels": {"mine": "1"}, "tty": True})
    body = json.loads(p.create.body)  # type: ignore[attr-defined]
    assert body["Cmd"] == ["echo", "hi"]
    assert (body["AttachStdin"], body["OpenStdin"], body["StdinOnce"]) == (True, True, True)
    assert (body["AttachStdout"], body["AttachStderr"], body["Tty"]) == (True, True, True)
    assert body["Labels"] == {"mine": "1", RUN_LABEL: "t0k"}
    assert body["HostConfig"].get("AutoRemove") in (None, False)  # (the run removes it)
    assert p.tty and p.stdin == b"in" and p.label == (RUN_LABEL, "t0k")  # type: ignore[attr-defined]


def test_detached_plan() -> None:
    p = plan(detach=True, remove=True)
    body = json.loads(p.create.body)  # type: ignore[attr-defined]
    assert (body["AttachStdout"], body["AttachStderr"], body["AttachStdin"]) == (False,) * 3
    assert body["HostConfig"]["AutoRemove"] is True


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pull": "maybe"}, "pull is one of"),
        ({"stdin": "str"}, "stdin is bytes"),
        ({"stdin": b"x", "detach": True}, "stdin needs detach=False"),
        ({"create": {"stdout": False}}, "decides stdout= itself"),
        ({"create": {"auto_remove": True}}, "decides auto_remove= itself"),
        ({"create": {"memory": -1}}, "memory must be a non-negative int"),
    ],
)
def test_bad_plans(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan(**kwargs)


def test_an_image_id_is_never_pulled() -> None:
    p = plan_run("0123456789ab", None, detach=False, remove=False, pull="missing", stdin=None,
                 check=True, token="t", create={})  # fmt: skip
    assert p.reference is None
    with pytest.raises(ValueError, match="needs an image name"):
        plan_run("0123456789ab", None, detach=False, remove=False, pull="always", stdin=None,
                 check=True, token="t", create={})  # fmt: skip
