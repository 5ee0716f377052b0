"""Tar events built in C (``csrc/tarevents.c``); ``dockproto._tarmembers`` configures it."""

def configure(
    member_type: type,
    member_sample: object,
    member_values: tuple[object, ...],
    data_type: type,
    data_sample: object,
    data_values: tuple[object, ...],
    types: tuple[object, ...],
    max_piece: int,
    /,
) -> None: ...
def take(
    spans: list[int],
    start: int,
    in_addr: int,
    out_addr: int,
    events: list[object],
    owners: tuple[str, str],
    /,
) -> tuple[int, tuple[str, str]]: ...
