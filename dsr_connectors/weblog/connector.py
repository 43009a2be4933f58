"""The web-server log store: one controller's share of the combined-format access logs.

    [controllers.gym.stores.catalogue-log]
    connector = "weblog"
    path = "logs"                       # directory with access.log, access.log.1, access.log.2.gz …
    scope = "catalogue"                 # catalogue (school: lines under /opac/<tenant_key>/) | site (vendor)
    tenant_key = "gym-musterstadt"      # catalogue only
    include_exclusive_addresses = false # default for anonymous lines from addresses only the subject used
    retention_days = 14                 # optional: stated in the letter
    keep_days = 14                      # optional: after how many days rotation deletes a line (default:
                                        # retention_days, else 14); the erasure plan says when lines expire

A line belongs to the subject when its ``user`` field is one of their login names (catalogue)
or e-mail addresses (site, any case) and its path is in scope. Anonymous lines are never
attributed for an address alone, except, when the officer switches it on for a case, lines
from addresses the school's login records show only this subject used (``IP_EXCLUSIVE``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from dsr.connector import Connector, StoreContext
from dsr.errors import ConfigError, ConnectorError
from dsr.model import Classification, CollectionSpec, Field, IdentifierKind, Record, Subject
from dsr.writing import StoreWriter
from dsr_connectors.weblog.files import UnreadableLog, log_files
from dsr_connectors.weblog.line import LogLine, written_forms
from dsr_connectors.weblog.scan import Needles, Tally, scan
from dsr_connectors.weblog.specs import ANONYMOUS, LINES, specs
from dsr_connectors.weblog.url import readable
from dsr_connectors.weblog.writing import LogWriter

Scope = Literal["catalogue", "site"]
_SETTINGS = {"path", "scope", "tenant_key", "include_exclusive_addresses", "retention_days", "keep_days"}
#: days a rotated log is kept when neither keep_days nor retention_days says (daily files, two weeks)
KEEP_DAYS = 14
_OWN, _SYSTEM, _TEXT = Classification.OWN, Classification.SYSTEM, Classification.FREE_TEXT


class WebLogConnector(Connector):
    """Reads the access logs of one directory for one controller (school catalogue or vendor site).

    ``include_exclusive_addresses`` may be changed per case (the officer decides it) before
    :meth:`records` runs.
    """

    @property
    def consumes(self) -> frozenset[IdentifierKind]:  # type: ignore[override]  # per case, not per class
        """Logins and e-mails; addresses used only by the subject when the officer asked for them
        (working those out scans the school's login table, so they are only requested then)."""
        kinds = {IdentifierKind.LOGIN, IdentifierKind.EMAIL}
        if self.include_exclusive_addresses:
            kinds.add(IdentifierKind.IP_EXCLUSIVE)
        return frozenset(kinds)

    def __init__(
        self,
        name: str,
        directory: Path,
        scope: Scope,
        tenant_key: str | None = None,
        include_exclusive_addresses: bool = False,
        retention_days: int | None = None,
        keep_days: int | None = None,
    ) -> None:
        super().__init__(name)
        if scope not in ("catalogue", "site"):
            raise ValueError(f"scope must be 'catalogue' or 'site', not {scope!r}")
        if scope == "catalogue" and not tenant_key:
            raise ValueError("scope 'catalogue' needs a tenant_key")
        self.directory = directory
        self.scope: Scope = scope
        self.tenant_key = tenant_key
        self.include_exclusive_addresses = include_exclusive_addresses
        self.retention_days = retention_days
        #: after how many days rotation deletes a line: the write side's ``expires_after_days``
        self.keep_days = keep_days or retention_days or KEEP_DAYS
        self.malformed_lines = 0
        #: lines and bytes read by the last records() call (for benchmarks and the case log)
        self.tally = Tally()
        #: where the settings came from, so that check() names the file and key
        self.context: StoreContext | None = None

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any], context: StoreContext) -> WebLogConnector:
        for key in settings:
            if key not in _SETTINGS:
                raise context.error(key, f"unknown setting; known: {', '.join(sorted(_SETTINGS))}")
        path = settings.get("path")
        if not isinstance(path, str) or not path:
            raise context.error("path", "missing: the directory that holds access.log")
        scope = settings.get("scope")
        if scope not in ("catalogue", "site"):
            raise context.error(
                "scope", 'must be "catalogue" (a school\'s catalogue lines) or "site" (the vendor\'s web site)'
            )
        tenant_key = settings.get("tenant_key")
        if scope == "catalogue":
            if not isinstance(tenant_key, str) or not tenant_key:
                raise context.error("tenant_key", "missing: the school's key in catalogue paths (/opac/<tenant_key>/)")
            if "/" in tenant_key or any(c.isspace() for c in tenant_key):
                raise context.error("tenant_key", "must not contain '/' or spaces")
        elif tenant_key is not None:
            raise context.error("tenant_key", 'only for scope = "catalogue"')
        include = settings.get("include_exclusive_addresses", False)
        if not isinstance(include, bool):
            raise context.error("include_exclusive_addresses", "must be true or false")
        retention = settings.get("retention_days")
        if retention is not None and (isinstance(retention, bool) or not isinstance(retention, int) or retention < 1):
            raise context.error("retention_days", "must be a whole number of days, at least 1")
        keep = settings.get("keep_days")
        if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 1):
            raise context.error("keep_days", "must be a whole number of days, at least 1")
        connector = cls(name, context.path(path), scope, tenant_key, include, retention, keep)
        connector.context = context
        return connector

    # ------------------------------------------------------------------ reading

    def records(self, subject: Subject) -> Iterator[Record]:
        self.malformed_lines = 0
        self.tally = Tally()
        files = self._files()
        users = self._users(subject)
        addresses = self._exclusive_addresses(subject) if self.include_exclusive_addresses else {}
        needles = Needles(
            users=tuple(sorted(users)),
            addresses=tuple(sorted({text for ip in addresses.values() for text in ip})),
            casefold=self.scope == "site",
        )
        if not needles:
            return
        exclusive = set(addresses)
        try:
            for path in files:
                for hit in scan(path, needles, self.tally):
                    self.malformed_lines = self.tally.malformed
                    line = hit.line
                    if not self._in_scope(line.path):
                        continue
                    key = f"{hit.file}:{hit.line_number}"
                    if self._user_of(line) in users:
                        yield self._record(LINES, key, line)
                    elif line.anonymous and exclusive and line.address() in exclusive:
                        yield self._record(ANONYMOUS, key, line, relation="exclusive address")
        except UnreadableLog as exc:
            raise ConnectorError(self.name, str(exc)) from None
        finally:
            self.malformed_lines = self.tally.malformed

    def collections(self) -> list[CollectionSpec]:
        return specs(self.name, self.scope, self.retention_days, self.include_exclusive_addresses)

    def writer(self) -> StoreWriter:
        """Logs cannot be edited: lines expire by rotation after ``keep_days``; restriction is dsr's list."""
        return LogWriter(self.name, self.keep_days)

    def check(self) -> list[ConfigError]:
        if not self.directory.is_dir():
            return [self._problem(f"log directory {self.directory} does not exist")]
        if not log_files(self.directory):
            return [self._problem(f"no access.log files in {self.directory}")]
        return []

    def _problem(self, problem: str) -> ConfigError:
        if self.context is not None:
            return self.context.error("path", problem)
        return ConfigError(None, self.name, problem)

    # ------------------------------------------------------------------ matching

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            raise ConnectorError(self.name, f"log directory {self.directory} does not exist")
        try:
            files = log_files(self.directory)
        except OSError as exc:
            raise ConnectorError(self.name, f"cannot list log directory: {type(exc).__name__}") from None
        if not files:
            raise ConnectorError(self.name, f"no access.log files in {self.directory}")
        return files

    def _users(self, subject: Subject) -> set[str]:
        """The subject's user names as the log may hold them (case-folded for e-mail)."""
        if self.scope == "catalogue":
            names = subject.values(IdentifierKind.LOGIN)
        else:
            names = tuple(e.casefold() for e in subject.values(IdentifierKind.EMAIL))
        return {form for name in names for form in written_forms(name)}

    def _user_of(self, line: LogLine) -> str:
        return line.user.casefold() if self.scope == "site" else line.user

    @staticmethod
    def _exclusive_addresses(subject: Subject) -> dict[ipaddress.IPv4Address | ipaddress.IPv6Address, set[str]]:
        """Each exclusive address, with the texts a log may write it as (IPv6 as given and compressed)."""
        out: dict[ipaddress.IPv4Address | ipaddress.IPv6Address, set[str]] = {}
        for value in subject.values(IdentifierKind.IP_EXCLUSIVE):
            try:
                ip = ipaddress.ip_address(value.strip())
            except ValueError:
                continue  # not an address: nothing in a log can match it
            out.setdefault(ip, set()).update({value.strip(), ip.compressed, ip.exploded})
        return out

    def _in_scope(self, path: str) -> bool:
        if self.scope == "site":
            return not (path == "/opac" or path.startswith(("/opac/", "/opac?")))
        base = f"/opac/{self.tenant_key}"
        return path == base or path.startswith((base + "/", base + "?"))

    def _record(self, collection: str, key: str, line: LogLine, relation: str | None = None) -> Record:
        return Record(
            store=self.name,
            collection=collection,
            key=key,
            relation=relation,
            fields=(
                Field("time", line.time, _OWN),
                Field("host", line.host, _OWN),
                Field("user", line.user, _OWN),
                Field("method", line.method, _SYSTEM),
                # a path or referer may name anybody (?q=Lena+Sommer): free text, decoded to be read
                Field("path", readable(line.path), _TEXT),
                Field("protocol", line.protocol, _SYSTEM),
                Field("status", line.status, _SYSTEM),
                Field("bytes", line.size, _SYSTEM),
                Field("referer", readable(line.referer) if line.referer else line.referer, _TEXT),
                Field("user_agent", line.user_agent, _OWN),
            ),
        )
