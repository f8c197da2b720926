"""Keyed uniforms: every random draw is a pure function of (seed, route, zip, attempt, purpose).

No draw depends on what was drawn before, so the same request gets the same delay and fault
whatever the order or concurrency of the others. The module-global `random` is never used.
"""

from __future__ import annotations

import hashlib
from typing import Final

_SCALE: Final = 1.0 / (1 << 53)


def keyed_uniform(seed: int, route: str, zip_code: str, attempt: int, purpose: str) -> float:
    """A uniform in [0, 1) for one purpose of one request (blake2b of the key, 53 bits)."""
    key = f"{seed}\x1f{route}\x1f{zip_code}\x1f{attempt}\x1f{purpose}".encode()
    digest = hashlib.blake2b(key, digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) * _SCALE
