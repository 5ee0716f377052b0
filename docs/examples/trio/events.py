"""Follow the engine's events while a container lives and dies (trio)."""

import uuid

import trio

import dockproto_trio


async def main() -> None:
    label = f"example={uuid.uuid4().hex[:8]}"
    async with dockproto_trio.open_docker() as docker:
        filters = {"type": ["container"], "label": [label]}
        async with docker.events(filters=filters) as events:  # (listening from here on)
            key, value = label.split("=")
            await docker.containers.run("busybox", ["true"], remove=True, labels={key: value})
            async for event in events:
                print("container", event["Action"])
                if event["Action"] == "destroy":
                    break


trio.run(main)
