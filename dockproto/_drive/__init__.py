"""The client written once, over a backend each client provides; never imported by `import dockproto`."""  # noqa: E501
