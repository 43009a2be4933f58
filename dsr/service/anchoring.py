"""Anchoring the audit chain outside the database: ``dsr audit checkpoint``, the housekeeping's
daily checkpoint with its e-mail digest, and ``dsr audit verify --checkpoints``
(:mod:`dsr.casefile.checkpoints` does the signing and the checking).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import msgspec
import sqlalchemy as sa

from dsr import casefile
from dsr.casefile import checkpoints
from dsr.casefile.checkpoints import Checkpoint
from dsr.config import Settings
from dsr.errors import ConfigError, DSRError
from dsr.service.mail import Message, mailer_for, send_now

log = logging.getLogger(__name__)

#: how old the newest checkpoint may grow before the housekeeping adds one
DAILY = dt.timedelta(days=1)


class Verified(msgspec.Struct, frozen=True, kw_only=True):
    report: casefile.AuditReport  #: the chain's and the checkpoints' problems together
    checkpoints: int  #: how many checkpoints were compared (0: none given)


def checkpoint_file(settings: Settings, given: str | Path | None = None) -> Path:
    """``given``, else ``[portal.audit] checkpoint_file`` (relative to the configuration's folder)."""
    named = given or settings.portal.audit.checkpoint_file
    if not named:
        raise ConfigError(settings.source, "portal.audit.checkpoint_file", "not set: give --out FILE or set it")
    return Path(named) if given else settings.base_dir / named


def write_checkpoint(settings: Settings, engine: sa.Engine, out: str | Path | None = None) -> tuple[Checkpoint, Path]:
    """Sign the chain's head now and append it to the checkpoint file."""
    key = checkpoints.checkpoint_key(settings)
    path = checkpoint_file(settings, out)
    point = checkpoints.take(engine, key)
    checkpoints.append(path, point)
    return point, path


def daily_checkpoint(engine: sa.Engine, settings: Settings, *, now: dt.datetime | None = None) -> Checkpoint | None:
    """The housekeeping's part: with ``[portal.audit] checkpoint_file`` set, a checkpoint when the
    newest is a day old, mailed to ``digest_to`` if set. None when nothing was due (or configured)."""
    audit = settings.portal.audit
    if not audit.checkpoint_file:
        return None
    point = checkpoints.append_if_due(
        checkpoint_file(settings), engine, checkpoints.checkpoint_key(settings), every=DAILY, now=now
    )
    if point is not None and audit.digest_to:
        try:
            send_now(mailer_for(settings), digest(settings, point))
        except DSRError as exc:  # the checkpoint is in the file; the mail is a second copy
            log.warning("audit checkpoint: digest not sent (%s)", exc)
    return point


def digest(settings: Settings, point: Checkpoint) -> Message:
    """The e-mail with one checkpoint, to keep where the database's administrators cannot change it."""
    local = point.at.astimezone(settings.zone)
    facts = (
        f"Zeit / time:        {local:%d.%m.%Y %H:%M:%S} ({settings.dsr.timezone})\n"
        f"Ereignis / event:   {point.seq}\n"
        f"Anzahl / count:     {point.events}\n"
        f"Kopf / head:        {point.head}\n"
        f"Schlüssel / key id: {point.key_id}\n"
        f"Signatur / signature (HMAC-SHA256): {point.signature}\n\n"
        f"{msgspec.json.encode(point).decode()}\n"
    )
    body = (
        "Prüfpunkt der Audit-Kette des Datenschutzportals. Bitte aufbewahren: mit ihm lässt sich "
        "später zeigen, dass die Kette seitdem nicht umgeschrieben wurde (dsr audit verify --checkpoints).\n\n"
        "A checkpoint of the data-protection portal's audit chain. Please keep it: it shows later that "
        "the chain was not rewritten since (dsr audit verify --checkpoints).\n\n" + facts
    )
    return Message(
        to=settings.portal.audit.digest_to,
        subject=f"DSR: Audit-Prüfpunkt / audit checkpoint {local:%d.%m.%Y}",
        body=body,
    )


def verify(settings: Settings, engine: sa.Engine, checkpoint_path: str | Path | None = None) -> Verified:
    """The chain walked (:func:`dsr.casefile.verify`) and, with a checkpoint file, every checkpoint
    compared with it. A missing file is a configuration error, not "no problems"."""
    report = casefile.verify(engine)
    if checkpoint_path is None:
        return Verified(report=report, checkpoints=0)
    path = Path(checkpoint_path)
    key = checkpoints.checkpoint_key(settings)
    try:
        points = list(checkpoints.read(path))
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read the checkpoint file ({type(exc).__name__})") from None
    problems = checkpoints.check(engine, points, key)
    return Verified(
        report=msgspec.structs.replace(report, problems=(*report.problems, *problems)), checkpoints=len(points)
    )
