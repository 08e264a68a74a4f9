"""Default study labels ("Study 1", "Study 2", ...) made on demand.

A million-study fit should not spend half a second building a million label strings that
nobody reads; this sequence behaves like the tuple it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload


class StudyLabels(Sequence[str]):
    """The labels ``prefix 1`` ... ``prefix k``, computed when asked for.

    >>> labels = StudyLabels(3)
    >>> list(labels), labels[-1], labels == ("Study 1", "Study 2", "Study 3")
    (['Study 1', 'Study 2', 'Study 3'], 'Study 3', True)
    """

    __slots__ = ("_k", "_prefix")

    def __init__(self, k: int, prefix: str = "Study") -> None:
        self._k = int(k)
        self._prefix = prefix

    def __len__(self) -> int:
        return self._k

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[str, ...]: ...

    def __getitem__(self, i: int | slice) -> str | tuple[str, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(self._k)))
        if i < 0:
            i += self._k
        if not 0 <= i < self._k:
            raise IndexError(i)
        return f"{self._prefix} {i + 1}"

    def __iter__(self) -> Iterator[str]:
        return (f"{self._prefix} {i + 1}" for i in range(self._k))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(other) == self._k and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._k, self._prefix))

    def __repr__(self) -> str:
        return f"StudyLabels({self._k})"
