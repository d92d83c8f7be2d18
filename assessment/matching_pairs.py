"""The pairs of a matching result, built when read.

The candidates of one dimension at 3,000 regions are half a million explained pairs: building
them all as objects costs several times the scoring itself, and a caller often reads only a
few (one region's, the first page) or streams them once. :class:`PairSequence` keeps the
pairs' columns (a :class:`PairSource`) and builds its items chunk by chunk (``CHUNK_PAIRS``)
the first time a chunk is read, then keeps them: reading item i twice gives the same object.

To everything else it is an immutable tuple of the same items: ``len``, indexing, slicing (a
tuple), iteration, ``in``, ``index``, ``count``, ``reversed``, equality with any sequence of
equal items and a hash equal to the tuple's; pickled and copied as its items. In a pydantic
model it validates from a list or tuple (or JSON array) of items, accepts a
``PairSequence`` as it is, and serialises and describes itself (JSON schema) exactly as a
``tuple[Item, ...]`` field does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar, get_args, overload

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

# Items built at a time: enough that the columns' per-chunk numpy work is amortised, few
# enough that reading one region's pairs builds little beyond them.
CHUNK_PAIRS = 4096


class PairSource(Protocol[T_co]):
    """What a :class:`PairSequence` builds its items from."""

    def __len__(self) -> int: ...

    def build(self, start: int, stop: int) -> Sequence[T_co]:
        """Items ``start`` to ``stop`` (exclusive), in order."""
        ...

    def receiving(self, region: str) -> range | None:
        """Positions of the pairs received by ``region`` when the source knows them without
        building anything (pairs grouped by receiving region); None when it does not."""
        ...


class _Built(Generic[T]):
    """A source over items that already exist (validated input, unpickled results)."""

    def __init__(self, items: tuple[T, ...]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def build(self, start: int, stop: int) -> Sequence[T]:
        return self.items[start:stop]

    def receiving(self, region: str) -> range | None:
        return None


class PairSequence(Sequence[T]):
    """An immutable sequence whose items are built in chunks when first read (module doc)."""

    __slots__ = ("_built", "_chunk", "_chunks", "_hash", "_lock", "_size", "_source")

    def __init__(self, source: PairSource[T]) -> None:
        self._source: PairSource[T] | None = source
        self._size = len(source)
        self._chunk = CHUNK_PAIRS
        self._chunks: list[Sequence[T] | None] = [None] * -(-self._size // self._chunk)
        self._built = 0
        self._hash: int | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, items: Sequence[T]) -> PairSequence[T]:
        """A sequence over items already built."""
        return cls(_Built(tuple(items)))

    # --- building ----------------------------------------------------------------------

    def _chunk_at(self, number: int) -> Sequence[T]:
        chunk = self._chunks[number]
        if chunk is not None:
            return chunk
        with self._lock:  # two threads reading one chunk must get the same objects
            chunk = self._chunks[number]
            if chunk is None:
                assert self._source is not None
                start = number * self._chunk
                chunk = self._source.build(start, min(start + self._chunk, self._size))
                self._chunks[number] = chunk
                self._built += 1
                if self._built == len(self._chunks):
                    self._source = None  # every item exists: the columns are not needed
            return chunk

    def built(self) -> int:
        """How many items exist so far (for tests and benchmarks)."""
        return sum(len(chunk) for chunk in self._chunks if chunk is not None)

    # --- the sequence ------------------------------------------------------------------

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._size)
            if step != 1:
                return tuple(self[i] for i in range(start, stop, step))
            return tuple(self._span(start, stop))
        position = index.__index__()
        if position < 0:
            position += self._size
        if not 0 <= position < self._size:
            raise IndexError("pair index out of range")
        return self._chunk_at(position // self._chunk)[position % self._chunk]

    def _span(self, start: int, stop: int) -> Iterator[T]:
        """Items start..stop (step 1), chunk by chunk."""
        size = self._chunk
        while start < stop:
            number, offset = divmod(start, size)
            end = min(stop, (number + 1) * size)
            yield from self._chunk_at(number)[offset : offset + end - start]
            start = end

    def __iter__(self) -> Iterator[T]:
        for number in range(len(self._chunks)):
            yield from self._chunk_at(number)

    def receiving(self, region: str) -> tuple[T, ...] | None:
        """The pairs ``region`` receives, building only the chunks that hold them, when the
        source knows where they lie; None when it does not (the caller scans)."""
        found = None if self._source is None else self._source.receiving(region)
        return None if found is None else self[found.start : found.stop]

    # --- a value like a tuple ------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Sequence) or isinstance(other, str | bytes | bytearray):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        """The hash of the tuple of the items (equal sequences hash alike)."""
        if self._hash is None:
            self._hash = hash(tuple(self))
        return self._hash

    def __repr__(self) -> str:
        return f"PairSequence({self._size:,} pairs, {self.built():,} built)"

    def __reduce__(self) -> tuple[Callable[[Sequence[T]], PairSequence[T]], tuple[tuple[T, ...]]]:
        """Pickled (and copied) as its items: the columns refer to the whole input."""
        return (PairSequence.of, (tuple(self),))

    # --- pydantic --------------------------------------------------------------------------

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validated and serialised as ``tuple[Item, ...]``; an instance passes as is."""
        (item,) = get_args(source) or (Any,)
        items = handler.generate_schema(tuple[item, ...])  # type: ignore[valid-type]

        def validate(value: Any, inner: core_schema.ValidatorFunctionWrapHandler) -> Any:
            if isinstance(value, PairSequence):
                return value
            return PairSequence.of(inner(value))

        return core_schema.no_info_wrap_validator_function(
            validate,
            items,
            serialization=core_schema.plain_serializer_function_ser_schema(
                tuple, return_schema=items
            ),
        )
