"""The talk's first primer: three ways to walk 0..N-1, each summed.

1. build a list, then loop over it: every number exists at once;
2. a hand-written iterator class: one number at a time, a page of boilerplate;
3. a `yield` generator: one number at a time, the loop written as a loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator


def first_n_list(n: int) -> list[int]:
    """0..n-1 as a list, built before anyone looks at it."""
    numbers: list[int] = []
    number = 0
    while number < n:
        numbers.append(number)
        number += 1
    return numbers


class FirstN:
    """0..n-1 as an iterator: one pass only, since `__iter__` returns the iterator itself."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.number = 0

    def __iter__(self) -> FirstN:
        """Itself: a second loop over a used-up `FirstN` sees nothing."""
        return self

    def __next__(self) -> int:
        """The next number, or StopIteration (again and again) once all n were given."""
        if self.number >= self.n:
            raise StopIteration
        number = self.number
        self.number += 1
        return number


def first_n(n: int) -> Iterator[int]:
    """0..n-1 from a generator: the same loop as the list's, with `yield` for `append`."""
    number = 0
    while number < n:
        yield number
        number += 1


WAYS: dict[str, Callable[[int], Iterable[int]]] = {
    "list": first_n_list,
    "iterator": FirstN,
    "generator": first_n,
}


def walk(way: str, n: int) -> int:
    """Sum 0..n-1 the named way (a key of `WAYS`)."""
    return sum(WAYS[way](n))


def expected_sum(n: int) -> int:
    """What every way must sum to: 0 + 1 + ... + (n-1)."""
    return n * (n - 1) // 2
