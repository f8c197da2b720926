"""Keys the server keeps per client or per place (attempt counts, rate-limit buckets), bounded
in size whatever a client sends: a key of more than `MAX_KEY_CHARS` characters is kept as its
digest, so a store of N keys holds at most N small strings.

A digest is `#` and 32 hex digits — one character longer than any key kept as it is, so the
two kinds never meet; blake2b's 128 bits make two names sharing a digest as likely as never.
"""

from __future__ import annotations

import hashlib
from typing import Final

MAX_KEY_CHARS: Final = 32  # a zip, a place name such as "Washington, DC", a short header value


def bounded(key: str) -> str:
    """`key` itself when it is short, else its digest (always the same for the same key)."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    raw = key.encode("utf-8", "surrogatepass")  # a header's undecodable bytes come as surrogates
    return "#" + hashlib.blake2b(raw, digest_size=16).hexdigest()
