"""What a process keeps per controller between requests, bounded: the ``[dsr] cache_controllers``
most recently used controllers (store connections and reflected schemas in
:mod:`dsr_connectors.sql.open_stores`, people indexes in
:data:`dsr.pipeline.answer.PEOPLE_INDEXES`, a :class:`dsr.pipeline.redact.gazetteer.GazetteerCache`). A vendor serving 500 schools holds the
few schools being worked on, not 500 of each; an evicted controller's value is released
(engines disposed) and rebuilt on its next use.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")

#: ``[dsr] cache_controllers`` unless the settings say otherwise
DEFAULT_SIZE = 32

_size = DEFAULT_SIZE
_caches: weakref.WeakSet[ControllerCache[object]] = weakref.WeakSet()


def configure(size: int) -> None:
    """Bound every cache of this process to ``size`` controllers (``[dsr] cache_controllers``);
    :func:`dsr.config.connect` calls this, so the last settings used decide."""
    global _size
    if size == _size:
        return
    _size = size
    for cache in list(_caches):
        cache.resize(size)


def configured_size() -> int:
    return _size


class ControllerCache(Generic[V]):
    """A value per controller; least recently used controllers go first, handed to ``release``."""

    def __init__(self, release: Callable[[V], None] | None = None, size: int | None = None) -> None:
        #: None: follows :func:`configure`
        self.fixed = size
        self.size = size if size is not None else _size
        self.release = release
        self._values: OrderedDict[str, V] = OrderedDict()
        self._lock = threading.Lock()  # the portal works in threads
        if size is None:
            _caches.add(self)  # type: ignore[arg-type]

    def get(self, controller: str, make: Callable[[], V]) -> V:
        """The controller's value, made by ``make`` when not cached (then older ones may be evicted)."""
        with self._lock:
            value = self._values.get(controller)
            if value is not None:
                self._values.move_to_end(controller)
                return value
            value = self._values[controller] = make()
            evicted = self._shrink()
        self._release(evicted)
        return value

    def peek(self, controller: str) -> V | None:
        with self._lock:
            return self._values.get(controller)

    def pop(self, controller: str) -> V | None:
        """Forget the controller's value (released)."""
        with self._lock:
            value = self._values.pop(controller, None)
        self._release([value] if value is not None else [])
        return value

    def resize(self, size: int) -> None:
        with self._lock:
            self.size = size
            evicted = self._shrink()
        self._release(evicted)

    def clear(self) -> None:
        with self._lock:
            evicted = list(self._values.values())
            self._values.clear()
        self._release(evicted)

    def controllers(self) -> list[str]:
        """The cached controllers, least recently used first."""
        with self._lock:
            return list(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def _shrink(self) -> list[V]:
        evicted = []
        while len(self._values) > max(self.size, 1):
            evicted.append(self._values.popitem(last=False)[1])
        return evicted

    def _release(self, values: list[V]) -> None:
        # outside the lock: disposing engines may wait for the database
        if self.release is not None:
            for v in values:
                self.release(v)
