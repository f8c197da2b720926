"""Keys the server keeps (attempt counts, rate-limit buckets) are bounded in size, whatever a
client sends: a long one is kept as its digest, a short one as it is."""

from __future__ import annotations

import pytest

from server.models.keys import MAX_KEY_CHARS, bounded


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("90011", id="zip"),
        pytest.param("Washington, DC", id="place"),
        pytest.param("x" * MAX_KEY_CHARS, id="at-the-bound"),
    ],
)
def test_a_short_key_is_kept_as_it_is(key: str) -> None:
    assert bounded(key) is key


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("x" * (MAX_KEY_CHARS + 1), id="one-over"),
        pytest.param("😀" * 200, id="wide"),
        pytest.param("header:" + "v" * 8_000, id="header"),
        pytest.param("\udcff" * 100, id="lone-surrogate"),  # what surrogateescape makes of bytes
    ],
)
def test_a_long_key_is_a_digest_of_bounded_size(key: str) -> None:
    digest = bounded(key)
    assert len(digest) == MAX_KEY_CHARS + 1  # longer than any key kept as it is: never equal
    assert digest.isascii()
    assert digest == bounded(key) and digest != bounded(key + "!")  # stable, and distinct
