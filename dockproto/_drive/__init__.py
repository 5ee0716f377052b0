"""The client written once, over a backend each client provides.

Never imported by ``import dockproto``: the clients import it.
"""
