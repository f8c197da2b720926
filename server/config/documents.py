"""Checks every document the server is given shares: a scenario file, an admin JSON body.

One rule each, used by every place that reads a document: unknown keys are refused with the
valid ones and a "did you mean" suggestion; nesting and size are bounded with the bound in
the message, so a hostile document is a one-line refusal rather than a RecursionError.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

MAX_DOCUMENT_BYTES: Final = 16 * 1024 * 1024  # a scenario with 100,000 zip overrides fits
MAX_DEPTH: Final = 32  # a mixture of mixtures in a zip override is about 10 levels deep

ErrorFactory = Callable[[str, str], Exception]


def join(where: str, key: str) -> str:
    """The dotted path of `key` inside `where` (`server` + `latency` → `server.latency`)."""
    return f"{where}.{key}" if where else key


def suggestion(key: str, allowed: Iterable[str]) -> str:
    """` (did you mean 'model'?)` for a near miss, else an empty string."""
    hint = difflib.get_close_matches(key, list(allowed), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def unknown_key(key: str, allowed: Iterable[str], *, also: str = "") -> str:
    """The message for an unknown key: a suggestion and the valid keys (`also`: a pattern)."""
    names = list(allowed)
    listed = ", ".join([*names, also] if also else names)
    return f"unknown key{suggestion(key, names)}; valid keys: {listed}"


def check_keys(
    table: Mapping[Any, Any],
    allowed: Iterable[str],
    error: ErrorFactory,
    *,
    where: str = "",
    also: Callable[[str], bool] | None = None,
    also_shown: str = "",
) -> None:
    """Raise `error(dotted_key, message)` for the first key of `table` not in `allowed`
    (nor accepted by the `also` predicate, described to people as `also_shown`)."""
    names = tuple(allowed)
    for key in table:
        text = str(key)
        if key in names or (also is not None and also(text)):
            continue
        raise error(join(where, text), unknown_key(text, names, also=also_shown))


def too_deep(document: Any, limit: int = MAX_DEPTH) -> str | None:
    """The dotted path where `document` nests deeper than `limit` levels, or None.

    Iterative, so a document nested 100,000 deep is measured without recursion.
    """
    stack: list[tuple[Any, str, int]] = [(document, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, Mapping):
            children: Iterable[tuple[str, Any]] = (
                (join(where, str(k)), v) for k, v in value.items()
            )
        elif isinstance(value, list | tuple):
            children = ((f"{where}[{i}]", v) for i, v in enumerate(value))
        else:
            continue
        if depth >= limit:
            return where
        stack.extend((child, path, depth + 1) for path, child in children)
    return None


def as_integer(value: Any) -> int | None:
    """An integer as JSON Schema counts them (5 and 5.0, not true), else None."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def shown(value: Any, limit: int = 40) -> str:
    """A value as a message quotes it: repr, cut short so a huge input stays one short line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}…"


def size_message(size: int | None, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """`over the 16 MiB (16777216 bytes) limit` with the size when it is known."""
    got = f"{size} bytes is " if size is not None else ""
    mib = limit // (1024 * 1024)
    return f"{got}over the {mib} MiB ({limit} bytes) limit for a scenario or an admin body"
