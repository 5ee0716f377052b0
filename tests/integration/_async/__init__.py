"""The bodies of the integration tests, each run on every client against both engines.

``_async/`` holds them as loop-neutral coroutines (no trio or asyncio: what needs the
loop goes through the ``loop`` fixture), run on trio and asyncio; ``scripts/generate``
makes them blocking into ``_sync/``, run with ``dockproto_sync``.  How: ``../harness.py``.
"""
