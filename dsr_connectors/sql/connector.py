"""SQLConnector: any SQLAlchemy database, read through a dataset mapping."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping as AbcMapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa

from dsr.connector import Connector, StoreContext
from dsr.errors import ConfigError
from dsr.model import (
    Candidate,
    CollectionSpec,
    Descriptor,
    Evidence,
    Identifier,
    IdentifierKind,
    KnownPerson,
    Record,
    Subject,
)
from dsr.pipeline.identify import candidate_reference
from dsr.writing import StoreWriter
from dsr_connectors.sql.database import Database, bind_values, missing_sqlite_file, unique_column_sets
from dsr_connectors.sql.mapping import PEOPLE_IDENTIFIERS, CollectionMapping, Mapping, load_mapping
from dsr_connectors.sql.open_stores import OpenStore, SharedDatabase, loaded_mapping, open_store
from dsr_connectors.sql.people import (
    Found,
    evidence,
    find,
    guardians_of,
    known_people,
    near,
    person_key,
    row_identifiers,
)
from dsr_connectors.sql.records import walk
from dsr_connectors.sql.schema import check_keys, check_schema, check_write_rules
from dsr_connectors.sql.writing import SQLWriter

SETTINGS = ("url", "mapping")
#: optional: the database URL the write side uses (an account that may UPDATE and DELETE); default ``url``
OPTIONAL_SETTINGS = ("write_url",)


def resolve_mapping(value: str, context: StoreContext | None = None) -> Path:
    """A built-in mapping name (``james-school``) or a path relative to the configuration file."""
    from dsr_connectors.james import MAPPINGS

    if value in MAPPINGS:
        return MAPPINGS[value]
    return context.path(value) if context else Path(value)


def resolve_url(value: str, context: StoreContext, writable: bool = False) -> sa.URL:
    """Parse a SQLAlchemy URL; a relative SQLite file is relative to the configuration file.
    ``writable``: a SQLite file opened for the write side (still never created)."""
    try:
        url = sa.make_url(value)
    except sa.exc.ArgumentError:
        raise context.error("url", "not a database URL (e.g. sqlite:///school.db, postgresql+psycopg://…)") from None
    if (
        url.get_backend_name() == "sqlite"
        and url.database
        and url.database != ":memory:"
        and not url.database.startswith("file:")
    ):
        path = context.path(url.database)
        # opened read-only (SQLite URI): a store is read, never made — SQLite would create a missing
        # file empty, and the answer would say "we hold no data about you". A missing file fails
        # this store when it is read (and can be retried), naming the file.
        mode = "rw" if writable else "ro"
        url = url.set(database=f"file:{quote(str(path.resolve()))}", query={**url.query, "mode": mode, "uri": "true"})
    return url


class SQLConnector(Connector):
    """Reads one SQL database as described by a dataset mapping (see docs/mapping.md)."""

    def __init__(
        self,
        name: str,
        url: str | sa.URL | sa.Engine,
        mapping: Mapping | str | Path,
        controller: str = "",
        context: StoreContext | None = None,
    ) -> None:
        super().__init__(name)
        self.mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
        self.controller = controller
        self.context = context
        #: built from settings: the engine and reflected schema kept for the controller between
        #: requests (dsr_connectors.sql.open_stores); otherwise this connector's own
        self.opened: OpenStore | None = None
        if context is not None and not isinstance(url, sa.Engine):
            self.opened = open_store(context.controller, name, sa.make_url(url), _engine)
        self.engine = self.opened.engine if self.opened else url if isinstance(url, sa.Engine) else _engine(url)
        #: where the write side connects (``write_url``); None: as the reads do (a read-only SQLite file reopened writable)
        self.write_url: sa.URL | None = None
        self._writer: SQLWriter | None = None
        self.db = (
            SharedDatabase(name, self.opened, self.mapping.tables())
            if self.opened
            else Database(name, self.engine, self.mapping.tables())
        )
        kinds = {IdentifierKind.KEY}
        for source in self.mapping.people:
            if source.identify:
                kinds |= {k for a, k in PEOPLE_IDENTIFIERS.items() if getattr(source, a)}
                if source.first_name or source.last_name or source.full_name:
                    kinds.add(IdentifierKind.NAME)
        for a in self.mapping.ip_addresses:
            kinds |= {IdentifierKind.IP, IdentifierKind.IP_EXCLUSIVE} if a.exclusive else {IdentifierKind.IP}
        kinds.discard(IdentifierKind.KEY)  # keys are store-local; nothing downstream consumes them
        #: what this store tells the stores after it (instance attribute: depends on the mapping)
        self.contributes = frozenset(kinds)  # type: ignore[misc]

    @classmethod
    def from_settings(cls, name: str, settings: AbcMapping[str, Any], context: StoreContext) -> SQLConnector:
        for key in settings:
            if key not in SETTINGS + OPTIONAL_SETTINGS:
                known = ", ".join(SETTINGS + OPTIONAL_SETTINGS)
                raise context.error(key, f"unknown setting for the sql connector; known: {known}")
        for key in SETTINGS:
            if not isinstance(settings.get(key), str) or not settings[key]:
                raise context.error(key, "missing: a text value is required")
        if "write_url" in settings and (not isinstance(settings["write_url"], str) or not settings["write_url"]):
            raise context.error("write_url", "must be a database URL")
        url = resolve_url(settings["url"], context)
        write_url = resolve_url(settings["write_url"], context, writable=True) if "write_url" in settings else None
        mapping = loaded_mapping(resolve_mapping(settings["mapping"], context))
        try:
            connector = cls(name, url, mapping, controller=context.controller, context=context)
            if write_url is not None:
                connector.write_url = write_url
            return connector
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            raise context.error("url", f"cannot use this database URL ({type(exc).__name__})") from None
        except ModuleNotFoundError as exc:  # the URL names a driver that is not installed
            extra = DRIVER_EXTRAS.get((exc.name or "").partition(".")[0])
            hint = f": pip install 'dsr[{extra}]'" if extra else ""
            raise context.error("url", f"the database driver {exc.name!r} is not installed{hint}") from None

    # ------------------------------------------------------------------ identify

    def candidates(self, descriptor: Descriptor) -> list[Candidate]:
        with self.db.errors(), self.engine.connect() as conn:
            found = find(self.db, self.mapping.people, descriptor, conn)
        out = []
        for person in found.values():
            ev, conflicts = evidence(self.name, descriptor, frozenset(person.identifiers))
            if IdentifierKind.DATE_OF_BIRTH in conflicts and {e.kind for e in ev} <= {IdentifierKind.NAME}:
                continue  # a namesake born on another day is not the person asked about
            out.append(self._candidate(person, ev, conflicts))
        return sorted(out, key=lambda c: c.reference)

    def _candidate(self, person: Found, ev: tuple[Evidence, ...], conflicts: tuple[IdentifierKind, ...]) -> Candidate:
        return Candidate(
            reference=candidate_reference(self.controller, self.name, person.key),
            store=self.name,
            key=person.key,
            evidence=ev,
            identifiers=frozenset(person.identifiers),
            conflicts=conflicts,
            profile=person.profile,
        )

    def near_candidates(self, descriptor: Descriptor) -> list[Candidate]:
        with self.db.errors(), self.engine.connect() as conn:
            found = near(self.db, self.mapping.people, descriptor, conn)
        # a near miss is evidence of nothing (an officer checks); what it contradicts is still shown
        return sorted(
            (
                self._candidate(p, (), evidence(self.name, descriptor, frozenset(p.identifiers))[1])
                for p in found.values()
            ),
            key=lambda c: c.reference,
        )

    def identifiers(self, subject: Subject, wanted: frozenset[IdentifierKind] | None = None) -> frozenset[Identifier]:
        keys = subject.keys(self.name)
        if not keys:
            return frozenset()
        out: set[Identifier] = set()
        with self.db.errors(), self.engine.connect() as conn:
            for source in self.mapping.people:
                if not source.identify:
                    continue
                own = [k[len(source.key_prefix) :] for k in keys if k.startswith(source.key_prefix)]
                col = self.db.column(source.table, source.key)
                values = bind_values(col, own)
                if not values:
                    continue
                target = sa.func.lower(col) if source.key_format == "email" and source.fold_case else col
                for row in conn.execute(sa.select(self.db.table(source.table)).where(target.in_(values))).mappings():
                    key = person_key(source, row[source.key])
                    if key in keys:
                        out |= row_identifiers(self.name, source, row, key)
            # which addresses *only* the subject used takes a scan of the login table (no index
            # on the address): only when a store consumes it (the officer's per-case switch)
            exclusive = wanted is None or IdentifierKind.IP_EXCLUSIVE in wanted
            for a in self.mapping.ip_addresses:
                out |= self._addresses(conn, a, keys, exclusive)
        return frozenset(out)

    def _addresses(self, conn: sa.Connection, a: Any, keys: tuple[str, ...], exclusive: bool) -> set[Identifier]:
        person = self.db.column(a.table, a.person)
        ip = self.db.column(a.table, a.column)
        people = bind_values(person, keys)
        if not people:
            return set()
        shown = [self.db.column(a.table, column) == value for column, value in a.where.items()]
        stmt = sa.select(ip).distinct().where(person.in_(people), *shown)
        used = {str(v) for v in conn.execute(stmt).scalars() if v}
        out = {Identifier(IdentifierKind.IP, v) for v in used}
        if a.exclusive and exclusive and used:
            # an address anyone else (or an unknown login) used is shared, e.g. the school's NAT
            shared: set[str] = set()
            ordered = sorted(used)
            for i in range(0, len(ordered), 500):
                stmt = (
                    sa.select(ip)
                    .distinct()
                    .where(ip.in_(ordered[i : i + 500]), sa.or_(person.is_(None), person.not_in(people)))
                )
                shared |= {str(v) for v in conn.execute(stmt).scalars()}
            out |= {Identifier(IdentifierKind.IP_EXCLUSIVE, v) for v in used - shared}
        return out

    # ------------------------------------------------------------------ gather

    def records(self, subject: Subject) -> Iterator[Record]:
        with self.db.errors(), self.engine.connect() as conn:
            yield from walk(self.db, self.mapping, self.name, subject, conn)

    def collections(self) -> list[CollectionSpec]:
        return self.mapping.specs(self.name)

    def people(self) -> Iterator[KnownPerson]:
        with self.db.errors(), self.engine.connect() as conn:
            yield from known_people(self.db, self.mapping.people, conn)

    def guardians(self, subject: Subject) -> list[KnownPerson]:
        keys = subject.keys(self.name)
        if not keys or not any(p.guardian_of for p in self.mapping.people):
            return []
        with self.db.errors(), self.engine.connect() as conn:
            return guardians_of(self.db, self.mapping.people, keys, conn)

    # ------------------------------------------------------------------ check

    def check(self) -> list[ConfigError]:
        try:
            inspector = sa.inspect(self.engine)
            described = {t: inspector.get_columns(t) for t in inspector.get_table_names()}
            tables = {t: [c["name"] for c in cols] for t, cols in described.items()}
            nullable = {t: {c["name"]: bool(c.get("nullable", True)) for c in cols} for t, cols in described.items()}
            # one MetaData: a table several others refer to is reflected once, not once per referrer
            meta = sa.MetaData()
            wanted = sorted({c.table for c in self.mapping.collections} & set(tables))
            meta.reflect(self.engine, only=wanted)
            reflected = {name: meta.tables[name] for name in wanted}
        except sa.exc.SQLAlchemyError as exc:
            missing = missing_sqlite_file(self.engine)
            problem = (
                f"the SQLite file {missing} does not exist"
                if missing
                else f"cannot read the database schema ({type(exc).__name__})"
            )
            if self.context:
                return [self.context.error("url", problem)]
            return [ConfigError(self.mapping.file, None, problem)]
        return (
            check_schema(self.mapping, tables)
            + check_write_rules(self.mapping, nullable)
            + check_keys(
                self.mapping,
                tables,
                {name: [c.name for c in t.primary_key.columns] for name, t in reflected.items()},
                {name: unique_column_sets(t) for name, t in reflected.items()},
                lambda c: self._duplicated(reflected[c.table], c),
                f"{self.name!r} ({self.context.key})" if self.context else repr(self.name),
            )
        )

    def _duplicated(self, table: sa.Table, c: CollectionMapping) -> bool | None:
        """Whether two rows of ``table`` share ``c``'s key (one grouped scan, stopped at the first
        duplicate); None when the database cannot tell (a column type it cannot group by)."""
        key = [table.c[name] for name in c.key]
        try:
            with self.engine.connect() as conn:
                stmt = sa.select(*key).group_by(*key).having(sa.func.count() > 1).limit(1)
                return conn.execute(stmt).first() is not None
        except sa.exc.SQLAlchemyError:
            return None

    # ------------------------------------------------------------------ write

    def writer(self) -> StoreWriter | None:
        """Erasure, restriction and rectification as the mapping declares them; None when it declares none."""
        if not self.mapping.write_rules(self.name):
            return None
        if self._writer is None:
            self._writer = SQLWriter(self.name, self._write_engine(), self.mapping)
        return self._writer

    def _write_engine(self) -> sa.Engine:
        if self.write_url is not None:
            return _engine(self.write_url)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.query.get("mode") == "ro":
            return _engine(url.update_query_dict({"mode": "rw"}))
        return self.engine

    def close(self) -> None:
        if self._writer is not None and self._writer.engine is not self.engine:
            self._writer.engine.dispose()
        if self.opened is None:  # a shared engine is disposed when its controller leaves the cache
            self.engine.dispose()


#: database drivers dsr installs as extras (`pip install 'dsr[postgres]'`)
DRIVER_EXTRAS = {"psycopg": "postgres", "psycopg2": "postgres", "pymysql": "mysql", "MySQLdb": "mysql"}


def _engine(url: str | sa.URL) -> sa.Engine:
    engine = sa.create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        # reading through a memory map saves a system call per page: a third off a reader's
        # gather in a 1 GB school database (benchmarks/gather.py)
        @sa.event.listens_for(engine, "connect")
        def _tune(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA mmap_size = 1073741824")
            cursor.close()

    return engine
