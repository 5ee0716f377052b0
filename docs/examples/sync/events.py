"""Follow the engine's events while a container lives and dies (blocking)."""

import uuid

import dockproto_sync


def main() -> None:
    label = f"example={uuid.uuid4().hex[:8]}"
    with dockproto_sync.open_docker() as docker:
        filters = {"type": ["container"], "label": [label]}
        with docker.events(filters=filters) as events:  # (listening from here on)
            key, value = label.split("=")
            docker.containers.run("busybox", ["true"], remove=True, labels={key: value})
            for event in events:
                print("container", event["Action"])
                if event["Action"] == "destroy":
                    break


main()
