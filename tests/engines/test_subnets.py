"""How ``scripts/engines`` chooses the private bridges' subnets and dockerd's TLS port.

``scripts/engines pick-subnets --in-use FILE`` is the choice as a pure function of what
is in use (one ``CIDR [DEVICE [what]]`` a line); without ``--in-use`` it reads ``ip``.
It prints ``docker SUBNET GATEWAY`` and ``podman SUBNET GATEWAY``.
"""

from __future__ import annotations

import functools
import ipaddress
import os
import shutil
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

ENGINES = Path(__file__).resolve().parents[2] / "scripts" / "engines"
CANDIDATES = ipaddress.IPv4Network("10.213.0.0/16")
DOCKER0 = ipaddress.IPv4Network("172.17.0.0/16")


def net(n: int) -> ipaddress.IPv4Network:
    return ipaddress.IPv4Network(f"10.213.{n}.0/24")


def clean_env(**env: str) -> dict[str, str]:
    """The caller's environment without DOCKPROTO_*, on a run folder that does not exist,
    and without the sanitizer pass's LD_PRELOAD (libasan aborts `ip` and its kin)."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DOCKPROTO_", "ASAN_", "UBSAN_")) and k != "LD_PRELOAD"
    }
    base["DOCKPROTO_RUN"] = f"/tmp/dp-none-{uuid.uuid4().hex[:12]}"
    return {**base, **env}


def run_engines(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENGINES), *args],
        env=clean_env(**(env or {})),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
    )


def pick(in_use: str, **env: str) -> subprocess.CompletedProcess[str]:
    return run_engines("pick-subnets", "--in-use", "-", stdin=in_use, env=env)


def chosen(result: subprocess.CompletedProcess[str]) -> dict[str, ipaddress.IPv4Network]:
    assert result.returncode == 0, result.stderr
    out: dict[str, ipaddress.IPv4Network] = {}
    for line in result.stdout.splitlines():
        name, subnet, gateway = line.split()
        out[name] = ipaddress.IPv4Network(subnet)
        assert ipaddress.IPv4Address(gateway) == out[name].network_address + 1
    assert sorted(out) == ["docker", "podman"]
    assert not out["docker"].overlaps(out["podman"])
    return out


def test_nothing_in_use() -> None:
    """Nothing in use: dockerd gets 10.213.87.0/24, podman 10.213.88.0/24, gateways at .1."""
    assert chosen(pick("")) == {"docker": net(87), "podman": net(88)}


def test_foreign_docker0_on_172_17() -> None:
    """A system docker0 on 172.17.0.1/16 (address and linkdown route) is avoided."""
    got = chosen(pick("172.17.0.1/16 docker0 address\n172.17.0.0/16 docker0 route\n"))
    assert not any(n.overlaps(DOCKER0) for n in got.values())
    assert got == {"docker": net(87), "podman": net(88)}


def test_first_candidates_taken() -> None:
    """Taken candidates are skipped: by an address, a host route, a route in another table."""
    in_use = "10.213.87.1/24 eth1\n10.213.88.9 - route\n10.213.89.0/24 tun0 route table 100\n"
    assert chosen(pick(in_use)) == {"docker": net(90), "podman": net(91)}


def test_stale_own_bridge_does_not_count() -> None:
    """What our own bridges hold from an earlier run is free again: they are recreated."""
    in_use = "172.17.0.1/16 dockproto0\n10.213.87.1/24 dockproto0\n10.213.88.1/24 dockproto1\n"
    assert chosen(pick(in_use)) == {"docker": net(87), "podman": net(88)}
    assert chosen(pick(in_use, DOCKPROTO_DOCKER_SUBNET="172.17.0.0/24"))["docker"] == (
        ipaddress.IPv4Network("172.17.0.0/24")
    )


def test_stale_own_bridge_and_foreign_docker0_on_172_17() -> None:
    """A stale dockproto0 on 172.17.0.1/16 does not count, a docker0 holding it too does."""
    in_use = "172.17.0.1/16 dockproto0 address\n172.17.0.1/16 docker0 address\n"
    got = chosen(pick(in_use))
    assert not any(n.overlaps(DOCKER0) for n in got.values())
    bad = pick(in_use, DOCKPROTO_DOCKER_SUBNET="172.17.0.0/24")
    assert bad.returncode == 1 and bad.stdout == ""
    assert "DOCKPROTO_DOCKER_SUBNET=172.17.0.0/24 overlaps" in bad.stderr
    assert "172.17.0.1/16 dev docker0" in bad.stderr and "dockproto0" not in bad.stderr


def test_own_bridges_are_named_by_the_knobs() -> None:
    """With DOCKPROTO_*_BRIDGE set, dockproto0/dockproto1 are someone else's and count."""
    in_use = "10.213.87.1/24 dockproto0\n10.213.88.1/24 dockproto1\n10.213.89.1/24 dp0\n"
    got = chosen(pick(in_use, DOCKPROTO_DOCKER_BRIDGE="dp0", DOCKPROTO_PODMAN_BRIDGE="dp1"))
    assert got == {"docker": net(89), "podman": net(90)}


def test_route_covering_every_candidate_is_a_clear_error() -> None:
    """A /8 route over all candidates: exit 1 naming the route and the overrides to set."""
    result = pick("10.0.0.0/8 tun0 route\n192.168.1.0/24 eth0 address\n")
    assert result.returncode == 1 and result.stdout == ""
    assert "no free subnet for the docker bridge dockproto0" in result.stderr
    assert "10.0.0.0/8 dev tun0 (route)" in result.stderr
    assert "192.168.1.0/24" not in result.stderr  # only what was in the way
    assert "DOCKPROTO_DOCKER_SUBNET" in result.stderr and "DOCKPROTO_PODMAN_SUBNET" in result.stderr


def test_last_free_candidate_is_not_given_twice() -> None:
    """With one candidate left, dockerd gets it and podman's error names it as taken."""
    in_use = "".join(f"10.213.{n}.0/24 - route\n" for n in range(256) if n != 200)
    result = pick(in_use)
    assert result.returncode == 1
    assert "no free subnet for the podman bridge" in result.stderr
    assert "10.213.200.0/24 (chosen for the docker bridge)" in result.stderr


def test_override_overlapping_something_in_use_is_a_clear_error() -> None:
    """An explicit subnet that overlaps an address or route in use: exit 1 naming it."""
    result = pick("10.213.0.0/16 wg0 route\n", DOCKPROTO_PODMAN_SUBNET="10.213.88.0/24")
    assert result.returncode == 1 and result.stdout == ""
    assert "DOCKPROTO_PODMAN_SUBNET=10.213.88.0/24 overlaps" in result.stderr
    assert "10.213.0.0/16 dev wg0 (route)" in result.stderr
    bad = pick("", DOCKPROTO_DOCKER_SUBNET="10.213.300.0/24")
    assert bad.returncode == 1 and "not an IPv4 subnet" in bad.stderr


def test_overrides_are_used_and_avoided() -> None:
    """A free explicit subnet is taken as is (normalised) and the other bridge avoids it."""
    got = chosen(pick("", DOCKPROTO_DOCKER_SUBNET="10.213.88.7/24"))
    assert got == {"docker": net(88), "podman": net(87)}
    got = chosen(pick("", DOCKPROTO_PODMAN_SUBNET="10.213.87.0/24"))
    assert got == {"docker": net(88), "podman": net(87)}
    both = {"DOCKPROTO_DOCKER_SUBNET": "10.213.5.0/24", "DOCKPROTO_PODMAN_SUBNET": "10.213.0.0/16"}
    same = pick("", **both)
    assert same.returncode == 1 and "need subnets of their own" in same.stderr


def test_the_two_bridges_never_share_a_subnet() -> None:
    """Whatever is in use, the two chosen subnets are distinct and free."""
    cases = [
        "",
        "10.213.87.0/25 eth1\n",
        "10.213.87.128/25 eth1\n10.213.89.1/24 eth2\n",
        "".join(f"10.213.{n}.0/24 - route\n" for n in range(87, 256)),
        "10.213.128.0/17 - route\n10.213.0.0/18 - route\n",
    ]
    for in_use in cases:
        got = chosen(pick(in_use))
        for subnet in got.values():
            assert subnet.subnet_of(CANDIDATES)
            for line in in_use.splitlines():
                assert not subnet.overlaps(ipaddress.ip_network(line.split()[0], strict=False))


def test_default_route_catch_alls_and_ipv6_do_not_count() -> None:
    """default, the VPN pair 0.0.0.0/1 + 128.0.0.0/1 and IPv6 entries take no candidate."""
    in_use = "default eth0 route\n0.0.0.0/1 tun0 route\n128.0.0.0/1 tun0 route\nfd00::2/64 eth0\n"
    assert chosen(pick(in_use + "# a comment\n\n")) == {"docker": net(87), "podman": net(88)}


def ip(*args: str) -> str:
    return subprocess.run(
        ["ip", *args], check=True, capture_output=True, text=True, timeout=30, env=clean_env()
    ).stdout


def test_real_ip_in_a_network_namespace() -> None:
    """Read from `ip` in a throwaway netns: docker0 and a stale dockproto0 on 172.17/16."""
    if os.geteuid() != 0:
        pytest.skip("needs root for `ip netns add`")
    if shutil.which("ip") is None:
        pytest.skip("`ip` (iproute2) is not installed")
    ns = f"dp-test-{uuid.uuid4().hex[:8]}"
    try:
        ip("netns", "add", ns)
    except subprocess.CalledProcessError as e:
        pytest.skip(f"`ip netns` is unavailable: {e.stderr.strip()}")
    try:
        nsip = functools.partial(ip, "-n", ns)
        nsip("link", "add", "docker0", "type", "bridge")
        nsip("addr", "add", "172.17.0.1/16", "dev", "docker0")
        nsip("link", "set", "docker0", "up")  # no ports: its route is linkdown
        nsip("link", "add", "dockproto0", "type", "bridge")  # stale, link down
        nsip("addr", "add", "172.17.0.1/16", "dev", "dockproto0")
        nsip("link", "add", "dpt-taken", "type", "bridge")
        nsip("link", "set", "dpt-taken", "up")
        nsip("addr", "add", "10.213.87.1/24", "dev", "dpt-taken")  # the first candidate
        nsip("route", "add", "10.213.88.0/24", "dev", "dpt-taken")  # a route alone
        nsip("route", "add", "10.213.89.0/24", "dev", "dpt-taken", "table", "100")
        result = subprocess.run(
            ["ip", "netns", "exec", ns, str(ENGINES), "pick-subnets"],
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=30,
        )
        got = chosen(result)
        for subnet in got.values():
            assert not subnet.overlaps(DOCKER0)
            assert subnet.subnet_of(CANDIDATES)
            assert subnet not in (net(87), net(88), net(89))
        # the namespace's own view: our stale bridge was only read, never touched
        assert "172.17.0.1/16" in nsip("-br", "addr", "show", "dockproto0")
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30, env=clean_env())


def test_explicit_tls_port_that_is_taken_is_a_clear_error() -> None:
    """DOCKPROTO_DOCKER_TLS_PORT on a port someone listens on: exit 1; once free: that port."""
    if shutil.which("ss") is None:
        pytest.skip("`ss` (iproute2) is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = str(s.getsockname()[1])
        taken = run_engines("pick-tls-port", env={"DOCKPROTO_DOCKER_TLS_PORT": port})
        assert taken.returncode == 1 and taken.stdout == ""
        assert f"DOCKPROTO_DOCKER_TLS_PORT={port} is taken" in taken.stderr
    free = run_engines("pick-tls-port", env={"DOCKPROTO_DOCKER_TLS_PORT": port})
    assert free.returncode == 0, free.stderr
    assert free.stdout.strip() == port


def test_default_tls_port_moves_on_when_taken() -> None:
    """Without DOCKPROTO_DOCKER_TLS_PORT the port is 23760, or the next free one."""
    if shutil.which("ss") is None:
        pytest.skip("`ss` (iproute2) is not installed")
    result = run_engines("pick-tls-port")
    assert result.returncode == 0, result.stderr
    port = int(result.stdout)
    assert 23760 <= port < 23860
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))  # it was free
        s.listen()
        again = run_engines("pick-tls-port")
        assert again.returncode == 0, again.stderr
        assert int(again.stdout) != port and 23760 <= int(again.stdout) < 23860
