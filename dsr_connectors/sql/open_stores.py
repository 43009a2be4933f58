"""Engines and reflected schemas of SQL stores, kept between requests for the most recently used
controllers (:mod:`dsr.controller_cache`, ``[dsr] cache_controllers``).

A connector built from settings (each job builds its own) takes its store's engine and reflected
tables from here instead of opening and reflecting the database again: a warm gather skips the
connection set-up and the schema reflection. An evicted controller's engines are disposed.

A reflection goes stale when the schema changes under a running process: any database error of
the store drops it (the next use reflects again), and a SQLite file replaced or written since
(another inode, size or modification time) is opened afresh.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import sqlalchemy as sa

from dsr.controller_cache import ControllerCache
from dsr.errors import ConnectorError
from dsr_connectors.sql.database import Database
from dsr_connectors.sql.mapping import Mapping, load_mapping


@dataclass
class OpenStore:
    """One store's engine, and its tables once reflected (shared by the connectors built for it)."""

    url: sa.URL
    engine: sa.Engine
    #: the SQLite file's identity when opened (None: not a file, or missing)
    file: tuple[int, int, int, int] | None
    #: the tables reflected, for the table names in ``wanted``
    tables: dict[str, sa.Table] | None = None
    wanted: list[str] = field(default_factory=list)


def _dispose(stores: dict[str, OpenStore]) -> None:
    for s in list(stores.values()):
        s.engine.dispose()


#: per controller: its SQL stores by name
STORES: ControllerCache[dict[str, OpenStore]] = ControllerCache(release=_dispose)
_lock = threading.Lock()


def sqlite_file(url: sa.URL) -> tuple[int, int, int, int] | None:
    """Device, inode, size and modification time of a SQLite store's file; None for other databases."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    path = Path(unquote(url.database.removeprefix("file:").split("?", 1)[0]))
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def open_store(controller: str, store: str, url: sa.URL, make_engine: Callable[[sa.URL], sa.Engine]) -> OpenStore:
    """The controller's store opened on ``url``: cached, or made now (evicting the least recently
    used controller beyond the cache's size)."""
    stores = STORES.get(controller, dict)
    file = sqlite_file(url)
    stale = None
    with _lock:
        s = stores.get(store)
        if s is None or s.url != url or s.file != file:
            stale, s = s, OpenStore(url=url, engine=make_engine(url), file=file)
            stores[store] = s
    if stale is not None:
        stale.engine.dispose()
    return s


class SharedDatabase(Database):
    """:class:`Database` whose reflected tables live in the :class:`OpenStore` (dropped on any error)."""

    def __init__(self, store: str, opened: OpenStore, tables: Iterable[str]) -> None:
        super().__init__(store, opened.engine, tables)
        self.opened = opened

    def table(self, name: str) -> sa.Table:
        if self._tables is None:
            o = self.opened
            if o.tables is not None and o.wanted == self.wanted:
                self._tables = o.tables
            else:
                found = super().table(name)
                o.tables, o.wanted = self._tables, self.wanted
                return found
        return super().table(name)

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        try:
            with super().errors():
                yield
        except ConnectorError:
            self.opened.tables = None  # perhaps the schema changed: reflect again next time
            raise


_mappings: dict[tuple[Path, int, int], Mapping] = {}


def loaded_mapping(path: Path) -> Mapping:
    """The mapping file read and validated, once per version of the file (every job builds its
    connectors, and 500 schools share one mapping)."""
    try:
        st = path.stat()
    except OSError:
        return load_mapping(path)  # names the missing file
    key = (path.resolve(), st.st_mtime_ns, st.st_size)
    with _lock:
        found = _mappings.get(key)
    if found is None:
        found = load_mapping(path)
        with _lock:
            if len(_mappings) >= 16:  # edited files leave old versions behind
                _mappings.clear()
            _mappings[key] = found
    return found
