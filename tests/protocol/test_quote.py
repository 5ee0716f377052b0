"""``dockproto._request``'s ``quote`` and ``urlencode`` are urllib.parse's (which
building a request no longer loads)."""

from __future__ import annotations

import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from dockproto import api
from dockproto._request import quote, urlencode

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
SAFE = st.sampled_from(["", "/", "/:@", ":@", "=&?"])


@given(TEXT, SAFE)
def test_quote_is_urllibs(text: str, safe: str) -> None:
    assert quote(text, safe) == urllib.parse.quote(text, safe=safe)


@given(st.lists(st.tuples(TEXT, TEXT), max_size=5))
def test_urlencode_is_urllibs(pairs: list[tuple[str, str]]) -> None:
    assert urlencode(pairs) == urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)


def test_examples() -> None:
    """Unreserved characters stay, the rest is %XX of its UTF-8, upper-case."""
    assert quote("a-b_c.d~e") == "a-b_c.d~e"
    assert quote("a b/c", "/") == "a%20b/c"
    assert quote("é") == "%C3%A9"
    assert urlencode([("filters", '{"name":["x"]}'), ("all", "1")]) == (
        "filters=%7B%22name%22%3A%5B%22x%22%5D%7D&all=1"
    )
    req = api.containers.list(all=True, name=["a b"])
    assert req.target("1.41") == (
        "/v1.41/containers/json?all=true&filters=%7B%22name%22%3A%5B%22a%20b%22%5D%7D"
    )
