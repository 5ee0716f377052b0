"""Wire-level golden tests of the Swarm builders (swarm, nodes, services, tasks, secrets,
configs): every Swarm endpoint of API v1.41 gives exactly this request line, these
headers and this body.  VIP endpoints and ingress-published ports, which the test
cluster cannot run (no IPVS in this kernel), are pinned here only."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest

import dockproto
from dockproto import ConfigRef, Connection, Mount, MountRO, SecretRef, Vol, api

JSON = {"Content-Type": "application/json"}
BASE = {"Host": "docker", "User-Agent": "dockproto/0.1"}


def wire(req: dockproto.Request[Any]) -> tuple[str, dict[str, str], bytes]:
    raw = Connection("1.41").send_request(req)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


def headers_of(line: str, body: bytes, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Host and User-Agent; a JSON body's type; then ``extra``; a POST's length last
    (``Content-Length: 0`` without a body)."""
    out = dict(BASE)
    if body:
        out.update(JSON)
    out.update(extra or {})
    if body or line.startswith("POST "):
        out["Content-Length"] = str(len(body))
    return out


F_SVC = "%7B%22service%22%3A%5B%22web%22%5D%7D"  # {"service":["web"]}

# (name, request, request line, body, extra headers)
GOLDEN: list[tuple[str, Any, str, bytes, dict[str, str]]] = [
    # -- swarm --------------------------------------------------------------------------
    ("swarm inspect", api.swarm.inspect(), "GET /v1.41/swarm", b"", {}),
    (
        "swarm init",
        api.swarm.init(),
        "POST /v1.41/swarm/init",
        b'{"ListenAddr":"0.0.0.0:2377","ForceNewCluster":false,"Spec":{}}',
        {},
    ),
    (
        "swarm init, every field",
        api.swarm.init(
            "10.0.0.1:2377",
            "10.0.0.1:4567",
            data_path_addr="10.0.0.1",
            data_path_port=4790,
            default_addr_pool=["10.20.0.0/16"],
            subnet_size=26,
            force_new_cluster=True,
            autolock=True,
            spec={"Orchestration": {"TaskHistoryRetentionLimit": 3}},
        ),
        "POST /v1.41/swarm/init",
        b'{"ListenAddr":"10.0.0.1:4567","AdvertiseAddr":"10.0.0.1:2377","DataPathAddr":'
        b'"10.0.0.1","DataPathPort":4790,"DefaultAddrPool":["10.20.0.0/16"],"SubnetSize":26,'
        b'"ForceNewCluster":true,"Spec":{"Orchestration":{"TaskHistoryRetentionLimit":3},'
        b'"EncryptionConfig":{"AutoLockManagers":true}}}',
        {},
    ),
    (
        "swarm join",
        api.swarm.join(
            ["10.0.0.1:2377"], "SWMTKN-1-abc", advertise_addr="10.0.0.2", data_path_addr="eth0"
        ),
        "POST /v1.41/swarm/join",
        b'{"ListenAddr":"0.0.0.0:2377","RemoteAddrs":["10.0.0.1:2377"],"JoinToken":'
        b'"SWMTKN-1-abc","AdvertiseAddr":"10.0.0.2","DataPathAddr":"eth0"}',
        {},
    ),
    ("swarm leave", api.swarm.leave(), "POST /v1.41/swarm/leave?force=false", b"", {}),
    ("swarm leave force", api.swarm.leave(True), "POST /v1.41/swarm/leave?force=true", b"", {}),
    (
        "swarm update",
        api.swarm.update(
            12, {"Name": "default"}, rotate_worker_token=True, rotate_manager_unlock_key=True
        ),
        "POST /v1.41/swarm/update?version=12&rotateWorkerToken=true&rotateManagerUnlockKey=true",
        b'{"Name":"default"}',
        {},
    ),
    (
        "swarm update manager token",
        api.swarm.update(3, {}, rotate_manager_token=True),
        "POST /v1.41/swarm/update?version=3&rotateManagerToken=true",
        b"{}",
        {},
    ),
    ("swarm unlockkey", api.swarm.unlock_key(), "GET /v1.41/swarm/unlockkey", b"", {}),
    (
        "swarm unlock",
        api.swarm.unlock("SWMKEY-1-xyz"),
        "POST /v1.41/swarm/unlock",
        b'{"UnlockKey":"SWMKEY-1-xyz"}',
        {},
    ),
    # -- nodes --------------------------------------------------------------------------
    ("nodes list", api.nodes.list(), "GET /v1.41/nodes", b"", {}),
    (
        "nodes list filters",
        api.nodes.list({"role": "worker", "node.label": ["zone=a"]}),
        "GET /v1.41/nodes?filters=%7B%22role%22%3A%5B%22worker%22%5D%2C%22node.label%22%3A"
        "%5B%22zone%3Da%22%5D%7D",
        b"",
        {},
    ),
    ("nodes inspect", api.nodes.inspect("n1"), "GET /v1.41/nodes/n1", b"", {}),
    ("nodes rm", api.nodes.rm("n1"), "DELETE /v1.41/nodes/n1?force=false", b"", {}),
    (
        "nodes rm force",
        api.nodes.rm("n1", force=True),
        "DELETE /v1.41/nodes/n1?force=true",
        b"",
        {},
    ),
    (
        "nodes update",
        api.nodes.update(
            "n1",
            7,
            availability="drain",
            spec={"Role": "manager", "Availability": "active", "Labels": {}},
        ),
        "POST /v1.41/nodes/n1/update?version=7",
        b'{"Role":"manager","Availability":"drain","Labels":{}}',
        {},
    ),
    (
        "nodes update role labels",
        api.nodes.update("n1", 8, role="worker", labels={"zone": "b"}, name="edge"),
        "POST /v1.41/nodes/n1/update?version=8",
        b'{"Role":"worker","Labels":{"zone":"b"},"Name":"edge"}',
        {},
    ),
    # -- services -----------------------------------------------------------------------
    ("services list", api.services.list(), "GET /v1.41/services", b"", {}),
    (
        "services list status",
        api.services.list({"mode": "global"}, status=True),
        "GET /v1.41/services?filters=%7B%22mode%22%3A%5B%22global%22%5D%7D&status=true",
        b"",
        {},
    ),
    ("services inspect", api.services.inspect("web"), "GET /v1.41/services/web", b"", {}),
    (
        "services inspect defaults",
        api.services.inspect("web", insert_defaults=True),
        "GET /v1.41/services/web?insertDefaults=true",
        b"",
        {},
    ),
    ("services rm", api.services.rm("web"), "DELETE /v1.41/services/web", b"", {}),
    (
        "services create",
        api.services.create("busybox:1"),
        "POST /v1.41/services/create",
        b'{"TaskTemplate":{"ContainerSpec":{"Image":"busybox:1"}}}',
        {},
    ),
    (
        "services create dnsrr host port",
        api.services.create(
            "busybox:1",
            ["sh", "-c", "sleep 1"],
            name="web",
            replicas=3,
            env={"A": "1"},
            endpoint_mode="dnsrr",
            ports=[{"published": 8080, "target": 80, "mode": "host"}],
            update_config={"parallelism": 1, "delay": 0.5, "order": "start-first"},
        ),
        "POST /v1.41/services/create",
        b'{"TaskTemplate":{"ContainerSpec":{"Image":"busybox:1","Command":["sh","-c","sleep 1"]'
        b',"Env":["A=1"]}},"Name":"web","Mode":{"Replicated":{"Replicas":3}},"UpdateConfig":'
        b'{"Parallelism":1,"Delay":500000000,"Order":"start-first"},"EndpointSpec":{"Mode":'
        b'"dnsrr","Ports":[{"PublishedPort":8080,"TargetPort":80,"PublishMode":"host",'
        b'"Protocol":"tcp"}]}}',
        {},
    ),
    (
        "services create vip, ingress ports",
        api.services.create(
            "busybox:1", name="web", ports=["8080:80", 53, "5353:53/udp"], endpoint_mode="vip"
        ),
        "POST /v1.41/services/create",
        b'{"TaskTemplate":{"ContainerSpec":{"Image":"busybox:1"}},"Name":"web","EndpointSpec":'
        b'{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080},'
        b'{"Protocol":"tcp","TargetPort":53,"PublishedPort":53},{"Protocol":"udp",'
        b'"TargetPort":53,"PublishedPort":5353}]}}',
        {},
    ),
    (
        "services create ingress publish mode",
        api.services.create("busybox:1", ports=[80], publish_mode="ingress"),
        "POST /v1.41/services/create",
        b'{"TaskTemplate":{"ContainerSpec":{"Image":"busybox:1"}},"EndpointSpec":{"Ports":'
        b'[{"Protocol":"tcp","TargetPort":80,"PublishedPort":80,"PublishMode":"ingress"}]}}',
        {},
    ),
    (
        "services create global, placement, resources, restart, refs",
        api.services.create(
            "busybox:1",
            args=["top"],
            mode="global",
            labels={"l": "1"},
            container_labels={"c": "2"},
            workdir="/w",
            user="1000",
            hostname="h",
            tty=True,
            init=True,
            read_only=True,
            stop_signal="SIGINT",
            stop_grace_period=2,
            mounts=[Vol("/data"), MountRO("/srv", "/srv")],
            networks=["net1", {"Target": "net2", "Aliases": ["x"]}],
            cpu_limit=0.5,
            memory_limit=1 << 20,
            cpu_reservation=0.25,
            memory_reservation=1 << 10,
            restart_policy={"condition": "on-failure", "delay": 1, "max_attempts": 3, "window": 10},
            constraints=["node.role==worker"],
            preferences=["node.labels.zone"],
            max_replicas_per_node=2,
            rollback_config={"parallelism": 2, "failure_action": "continue", "monitor": 0.1},
            secrets=[SecretRef("s1", "db", uid="1", mode=0o400)],
            configs=[ConfigRef("c1", "app.conf", filename="/etc/app.conf")],
            log_driver="json-file",
            log_options={"max-size": "1m"},
        ),
        "POST /v1.41/services/create",
        b'{"TaskTemplate":{"ContainerSpec":{"Image":"busybox:1","Args":["top"],"Dir":"/w",'
        b'"User":"1000","Hostname":"h","TTY":true,"Init":true,"ReadOnly":true,"StopSignal":'
        b'"SIGINT","Labels":{"c":"2"},"StopGracePeriod":2000000000,"Mounts":[{"Type":"volume",'
        b'"Target":"/data"},{"Type":"bind","Source":"/srv","Target":"/srv","ReadOnly":true}],'
        b'"Secrets":[{"SecretID":"s1","SecretName":"db","File":{"Name":"db","UID":"1","GID":'
        b'"0","Mode":256}}],"Configs":[{"ConfigID":"c1","ConfigName":"app.conf","File":{"Name":'
        b'"/etc/app.conf","UID":"0","GID":"0","Mode":292}}]},"Networks":[{"Target":"net1"},'
        b'{"Target":"net2","Aliases":["x"]}],"Resources":{"Limits":{"NanoCPUs":500000000,'
        b'"MemoryBytes":1048576},"Reservations":{"NanoCPUs":250000000,"MemoryBytes":1024}},'
        b'"RestartPolicy":{"Condition":"on-failure","Delay":1000000000,"MaxAttempts":3,'
        b'"Window":10000000000},"Placement":{"Constraints":["node.role==worker"],"Preferences":'
        b'[{"Spread":{"SpreadDescriptor":"node.labels.zone"}}],"MaxReplicas":2},"LogDriver":'
        b'{"Name":"json-file","Options":{"max-size":"1m"}}},"Labels":{"l":"1"},"Mode":'
        b'{"Global":{}},"RollbackConfig":{"Parallelism":2,"FailureAction":"continue",'
        b'"Monitor":100000000}}',
        {},
    ),
    (
        "services create job",
        api.services.create("busybox:1", ["true"], mode="replicated-job", replicas=4),
        "POST /v1.41/services/create",
        b'{"TaskTemplate":{"ContainerSpec":{"Image":"busybox:1","Command":["true"]}},"Mode":'
        b'{"ReplicatedJob":{"TotalCompletions":4}}}',
        {},
    ),
    (
        "services create, spec escape hatch",
        api.services.create(
            "busybox:1",
            spec={"Name": "raw", "TaskTemplate": {"ContainerSpec": {"Isolation": "default"}}},
            replicas=2,
        ),
        "POST /v1.41/services/create",
        b'{"Name":"raw","TaskTemplate":{"ContainerSpec":{"Isolation":"default","Image":'
        b'"busybox:1"}},"Mode":{"Replicated":{"Replicas":2}}}',
        {},
    ),
    (
        "services update",
        api.services.update(
            "web",
            5,
            spec={"Name": "web", "TaskTemplate": {"ContainerSpec": {"Image": "busybox:1"}}},
            command=["sleep", "9"],
            force_update=True,
        ),
        "POST /v1.41/services/web/update?version=5",
        b'{"Name":"web","TaskTemplate":{"ContainerSpec":{"Image":"busybox:1","Command":'
        b'["sleep","9"]},"ForceUpdate":1}}',
        {},
    ),
    (
        "services update rollback",
        api.services.update(
            "web", 6, spec={"Name": "web"}, rollback=True, registry_auth_from="previous-spec"
        ),
        "POST /v1.41/services/web/update?version=6&registryAuthFrom=previous-spec"
        "&rollback=previous",
        b'{"Name":"web","TaskTemplate":{"ContainerSpec":{}}}',
        {},
    ),
    (
        "services logs",
        api.services.logs("web"),
        "GET /v1.41/services/web/logs?stdout=true&stderr=true",
        b"",
        {},
    ),
    (
        "services logs, every option",
        api.services.logs(
            "web", stderr=False, follow=True, since=10, timestamps=True, tail=5, details=True
        ),
        "GET /v1.41/services/web/logs?stdout=true&stderr=false&follow=true&since=10"
        "&timestamps=true&tail=5&details=true",
        b"",
        {},
    ),
    # -- tasks --------------------------------------------------------------------------
    ("tasks list", api.tasks.list(), "GET /v1.41/tasks", b"", {}),
    (
        "tasks list service",
        api.tasks.list({"service": "web"}),
        f"GET /v1.41/tasks?filters={F_SVC}",
        b"",
        {},
    ),
    ("tasks inspect", api.tasks.inspect("t1"), "GET /v1.41/tasks/t1", b"", {}),
    (
        "tasks logs",
        api.tasks.logs("t1", tail="all"),
        "GET /v1.41/tasks/t1/logs?stdout=true&stderr=true&tail=all",
        b"",
        {},
    ),
    # -- secrets ------------------------------------------------------------------------
    ("secrets list", api.secrets.list(), "GET /v1.41/secrets", b"", {}),
    (
        "secrets list names",
        api.secrets.list({"names": ["a", "b"]}),
        "GET /v1.41/secrets?filters=%7B%22names%22%3A%5B%22a%22%2C%22b%22%5D%7D",
        b"",
        {},
    ),
    (
        "secrets create",
        api.secrets.create("db", b"pw\x00\xff", {"l": "1"}),
        "POST /v1.41/secrets/create",
        b'{"Name":"db","Labels":{"l":"1"},"Data":"cHcA/w=="}',
        {},
    ),
    (
        "secrets create, driver and templating",
        api.secrets.create(
            "db", driver_name="vault", driver_options={"path": "x"}, templating="golang"
        ),
        "POST /v1.41/secrets/create",
        b'{"Name":"db","Driver":{"Name":"vault","Options":{"path":"x"}},"Templating":'
        b'{"Name":"golang"}}',
        {},
    ),
    ("secrets inspect", api.secrets.inspect("s1"), "GET /v1.41/secrets/s1", b"", {}),
    ("secrets rm", api.secrets.rm("s1"), "DELETE /v1.41/secrets/s1", b"", {}),
    (
        "secrets update",
        api.secrets.update(
            {"ID": "s1", "Version": {"Index": 9}, "Spec": {"Name": "db", "Labels": {}}},
            labels={"l": "2"},
        ),
        "POST /v1.41/secrets/s1/update?version=9",
        b'{"Name":"db","Labels":{"l":"2"}}',
        {},
    ),
    # -- configs ------------------------------------------------------------------------
    ("configs list", api.configs.list(), "GET /v1.41/configs", b"", {}),
    (
        "configs create",
        api.configs.create("app.conf", "x={{.Service.Name}}", templating="golang"),
        "POST /v1.41/configs/create",
        b'{"Name":"app.conf","Data":"eD17ey5TZXJ2aWNlLk5hbWV9fQ==","Templating":{"Name":"golang"}}',
        {},
    ),
    ("configs inspect", api.configs.inspect("c1"), "GET /v1.41/configs/c1", b"", {}),
    ("configs rm", api.configs.rm("c1"), "DELETE /v1.41/configs/c1", b"", {}),
    (
        "configs update",
        api.configs.update("c1", 4, spec={"Name": "app.conf", "Data": "eA=="}, labels={"l": "3"}),
        "POST /v1.41/configs/c1/update?version=4",
        b'{"Name":"app.conf","Data":"eA==","Labels":{"l":"3"}}',
        {},
    ),
]


@pytest.mark.parametrize(
    ("request_", "line", "body", "extra"),
    [case[1:] for case in GOLDEN],
    ids=[case[0] for case in GOLDEN],
)
def test_golden(request_: Any, line: str, body: bytes, extra: dict[str, str]) -> None:
    """The builder gives exactly this request line, these headers and this body."""
    got_line, got_headers, got_body = wire(request_)
    assert got_line == f"{line} HTTP/1.1"
    assert got_body == body
    assert got_headers == headers_of(line, body, extra)


# Every Swarm endpoint of the v1.41 spec (/work/shared/reference/engine-api/v1.41.yaml,
# tags Swarm, Node, Service, Task, Secret, Config), as (method, path template).
V141_SWARM_ENDPOINTS = {
    ("GET", "/swarm"),
    ("POST", "/swarm/init"),
    ("POST", "/swarm/join"),
    ("POST", "/swarm/leave"),
    ("POST", "/swarm/update"),
    ("GET", "/swarm/unlockkey"),
    ("POST", "/swarm/unlock"),
    ("GET", "/nodes"),
    ("GET", "/nodes/{id}"),
    ("DELETE", "/nodes/{id}"),
    ("POST", "/nodes/{id}/update"),
    ("GET", "/services"),
    ("POST", "/services/create"),
    ("GET", "/services/{id}"),
    ("DELETE", "/services/{id}"),
    ("POST", "/services/{id}/update"),
    ("GET", "/services/{id}/logs"),
    ("GET", "/tasks"),
    ("GET", "/tasks/{id}"),
    ("GET", "/tasks/{id}/logs"),
    ("GET", "/secrets"),
    ("POST", "/secrets/create"),
    ("GET", "/secrets/{id}"),
    ("DELETE", "/secrets/{id}"),
    ("POST", "/secrets/{id}/update"),
    ("GET", "/configs"),
    ("POST", "/configs/create"),
    ("GET", "/configs/{id}"),
    ("DELETE", "/configs/{id}"),
    ("POST", "/configs/{id}/update"),
}
_FIXED = {"init", "join", "leave", "update", "unlockkey", "unlock", "create"}


def _template(method: str, path: str) -> tuple[str, str]:
    parts = path.split("/")
    out = [
        p if i == 1 or p in _FIXED or (i == 3 and p in ("update", "logs")) else "{id}"
        for i, p in enumerate(parts)
        if i > 0
    ]
    return method, "/" + "/".join(out)


def test_every_swarm_endpoint_has_a_golden_test() -> None:
    """The golden cases above cover all 30 Swarm endpoints of v1.41."""
    covered = {_template(case[1].method, case[1].path) for case in GOLDEN}
    assert covered == V141_SWARM_ENDPOINTS


def test_credentials_from_auth() -> None:
    """``auth`` goes as X-Registry-Auth on a create and an update, and not without it."""
    auth = {"username": "u", "password": "pw-s3cret", "serveraddress": "r.example"}
    for req in (
        api.services.create("r.example/x:1", auth=auth),
        api.services.update("web", 1, spec={"Name": "web"}, auth=auth),
    ):
        _, headers, _ = wire(req)
        sent = json.loads(base64.urlsafe_b64decode(headers["X-Registry-Auth"]))
        assert sent == auth
        assert "pw-s3cret" not in repr(req) and headers["X-Registry-Auth"] not in repr(req)
    assert "X-Registry-Auth" not in wire(api.services.create("x:1"))[1]


def test_update_from_models() -> None:
    """An update given the model starts from its spec and version, the keywords on top."""
    service = dockproto.Service.from_json(
        {
            "ID": "abc",
            "Version": {"Index": 42},
            "Spec": {
                "Name": "web",
                "TaskTemplate": {"ContainerSpec": {"Image": "i:1", "Args": ["a"]}},
                "Mode": {"Replicated": {"Replicas": 1}},
            },
        }
    )
    line, _, body = wire(api.services.update(service, replicas=5, image="i:2"))
    assert line == "POST /v1.41/services/abc/update?version=42 HTTP/1.1"
    assert json.loads(body) == {
        "Name": "web",
        "TaskTemplate": {"ContainerSpec": {"Image": "i:2", "Args": ["a"]}},
        "Mode": {"Replicated": {"Replicas": 5}},
    }
    assert service.spec["Mode"] == {"Replicated": {"Replicas": 1}}  # (not changed in place)
    node = dockproto.Node.from_json(
        {"ID": "n9", "Version": {"Index": 3}, "Spec": {"Role": "manager", "Availability": "active"}}
    )
    line, _, body = wire(api.nodes.update(node, availability="pause"))
    assert line == "POST /v1.41/nodes/n9/update?version=3 HTTP/1.1"
    assert json.loads(body) == {"Role": "manager", "Availability": "pause"}


def test_secret_update_never_sends_data_and_config_keeps_it() -> None:
    """A secret's update leaves its data out (the daemon refuses any); a config's sends
    its data back unchanged (the daemon refuses a change)."""
    secret = {"ID": "s1", "Version": {"Index": 2}, "Spec": {"Name": "db", "Data": "eA=="}}
    assert json.loads(wire(api.secrets.update(secret))[2]) == {"Name": "db"}
    config = {"ID": "c1", "Version": {"Index": 2}, "Spec": {"Name": "c", "Data": "eA=="}}
    assert json.loads(wire(api.configs.update(config))[2]) == {"Name": "c", "Data": "eA=="}


def test_secret_data_only_as_size_in_repr() -> None:
    """A secret's data travels base64 in the body; the repr shows the body's size only."""
    data = b"hunter2-\x00-secret"
    req = api.secrets.create("db", data)
    assert json.loads(req.body or b"")["Data"] == base64.b64encode(data).decode()
    shown = repr(req) + str(req)
    assert base64.b64encode(data).decode() not in shown and "hunter2" not in shown
    assert re.search(r"body=<\d+ bytes>", shown)


def test_logs_framing_follows_tty() -> None:
    """Service and task logs are multiplexed unless their spec has a TTY (then raw)."""
    assert api.services.logs("web").content is dockproto.Content.MUX
    assert api.services.logs("web", tty=True).content is dockproto.Content.RAW
    assert api.tasks.logs("t1", tty=True).content is dockproto.Content.RAW
    assert api.services.logs("web", timestamps=True).frames is True


BAD: list[tuple[str, Any]] = [
    ("no stream", lambda: api.services.logs("web", stdout=False, stderr=False)),
    ("bad service name", lambda: api.services.inspect("../x")),
    ("update without spec", lambda: api.services.update("web", 3)),
    ("update without version", lambda: api.services.update("web", None, spec={})),
    ("negative version", lambda: api.nodes.update("n1", -1)),
    ("bool version", lambda: api.swarm.update(True, {})),
    ("bad availability", lambda: api.nodes.update("n1", 1, availability="off")),
    ("bad role", lambda: api.nodes.update("n1", 1, role="boss")),
    ("bad mode", lambda: api.services.create("x", mode="daemonset")),
    ("replicas of global", lambda: api.services.create("x", mode="global", replicas=2)),
    ("negative replicas", lambda: api.services.create("x", replicas=-1)),
    ("bad endpoint mode", lambda: api.services.create("x", endpoint_mode="lb")),
    ("bad port", lambda: api.services.create("x", ports=["99999:80"])),
    ("bad port mode", lambda: api.services.create("x", ports=[{"target": 1, "mode": "x"}])),
    ("bad port protocol", lambda: api.services.create("x", ports=["80/icmp"])),
    ("port without target", lambda: api.services.create("x", ports=[{"published": 1}])),
    ("unknown update key", lambda: api.services.create("x", update_config={"speed": 1})),
    ("bad order", lambda: api.services.create("x", update_config={"order": "random"})),
    ("bad ratio", lambda: api.services.create("x", update_config={"max_failure_ratio": 2})),
    ("negative delay", lambda: api.services.create("x", restart_policy={"delay": -1})),
    ("secret by name", lambda: api.services.create("x", secrets=["db"])),  # type: ignore[list-item]
    ("bad mount", lambda: api.services.create("x", mounts=["/a:/b"])),  # type: ignore[list-item]
    ("command as str", lambda: api.services.create("x", "sleep 1")),  # type: ignore[arg-type]
    ("secret without data", lambda: api.secrets.create("db")),
    ("secret data and driver", lambda: api.secrets.create("db", b"x", driver_name="v")),
    ("secret data type", lambda: api.secrets.create("db", 5)),  # type: ignore[arg-type]
    ("secret name", lambda: api.secrets.create("a b", b"x")),
    ("label value", lambda: api.configs.create("c", b"x", {"a": 1})),  # type: ignore[dict-item]
    ("join without token", lambda: api.swarm.join(["10.0.0.1"], "")),
    ("join one address", lambda: api.swarm.join("10.0.0.1", "t")),  # type: ignore[arg-type]
    ("data path port", lambda: api.swarm.init(data_path_port=80)),
    ("unlock without key", lambda: api.swarm.unlock("")),
    ("secret update without spec", lambda: api.secrets.update("s1", 1)),
    ("file mode", lambda: api.services.create("x", secrets=[SecretRef("i", "n", mode=0o10000)])),
    ("mount path", lambda: api.services.create("x", mounts=[Mount("/a:b", "/c")])),
]


@pytest.mark.parametrize("build", [b for _, b in BAD], ids=[n for n, _ in BAD])
def test_bad_arguments_raise_before_sending(build: Any) -> None:
    """Arguments the client can check are a ValueError, before any request exists."""
    with pytest.raises(ValueError):
        build()
