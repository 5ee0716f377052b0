"""The two layers of a streamed body, as names: ``Framing`` and ``Content``.

Apart from ``_decode`` (which loads the C core) so that building requests and reading
whole answers never loads the stream decoders: they are imported when a streamed body
first needs one.
"""

from __future__ import annotations

import enum


class Framing(enum.Enum):
    """The HTTP/1.1 framing of a response body (the values of ``enum dp_framing``)."""

    CHUNKED = 0
    LENGTH = 1
    CLOSE = 2


class Content(enum.Enum):
    """What a streamed body carries."""

    MUX = "mux"  # multiplexed stdin/stdout/stderr/systemerr frames
    RAW = "raw"  # a TTY stream: passed through as stdout
    TAR = "tar"
    JSONLINES = "jsonlines"
    BYTES = "bytes"  # anything else: passed through as RawData
