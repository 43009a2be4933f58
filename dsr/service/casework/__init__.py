"""The portal's long work, framework-free: finding candidates, gathering per store, the final answer.

* :mod:`dsr.service.casework.candidates` — the identify stage: :func:`find_candidates` on the officer's
  click, and the ``find_candidates`` job queued when a requester confirmed their address.
* :mod:`dsr.service.casework.gathering` — the ``gather`` job and the facts the letters state.
* :mod:`dsr.service.casework.routing` — who may receive the data: :func:`start_gathering` settles the
  routing (age of consent, the parent's guardian check) before anything is gathered.
* :mod:`dsr.service.casework.review` — the redaction review and :func:`render_answer` (for approval).
* :mod:`dsr.service.casework.common` — :class:`CaseworkError`, connectors, the case row.

Everything is importable from ``dsr.service.casework`` itself; :func:`handlers` gives the worker every
job kind the portal queues.
"""

from __future__ import annotations

from dsr import casefile
from dsr.config import Settings, connect
from dsr.service.casework.candidates import candidates_job, find_candidates, queue_candidate_search
from dsr.service.casework.common import (
    CaseworkError,
    ConnectorsOf,
    case_by_reference,
    cases_table,
    close_connectors,
    confirmed_subject,
    store_names,
)
from dsr.service.casework.gathering import (
    CHECK_WORDING,
    facts_of,
    gather_job,
    language_of,
    letter_facts,
    other_controllers_hint,
    recipient,
)
from dsr.service.casework.review import ReviewEntry, decide_items, render_answer, review_entries
from dsr.service.casework.routing import addressee, confirm_and_gather, settle_routing, start_gathering
from dsr.service.download_notice import DOWNLOAD_NOTICE, notice_job
from dsr.service.mail import VERIFICATION_MAIL, Mailer, mailer_for, verification_mail_job


def handlers(
    settings: Settings, *, connectors_of: ConnectorsOf = connect, mailer: Mailer | None = None
) -> dict[str, casefile.jobs.Handler]:
    """Every job kind the portal queues, for :func:`dsr.casefile.run_next` (in the portal's own
    worker, `dsr worker` and `litestar dsr worker` alike). ``mailer``: the one verification mails
    a request could not send at once are retried with, and download notices are sent with
    (default: ``[mail]`` of the settings)."""
    return {
        "gather": gather_job(settings, connectors_of=connectors_of),
        "find_candidates": candidates_job(settings, connectors_of=connectors_of),
        VERIFICATION_MAIL: verification_mail_job(settings, mailer or mailer_for(settings)),
        DOWNLOAD_NOTICE: notice_job(settings, mailer or mailer_for(settings)),
    }


__all__ = [
    "CHECK_WORDING",
    "CaseworkError",
    "ConnectorsOf",
    "ReviewEntry",
    "candidates_job",
    "case_by_reference",
    "cases_table",
    "close_connectors",
    "confirm_and_gather",
    "confirmed_subject",
    "decide_items",
    "facts_of",
    "find_candidates",
    "gather_job",
    "handlers",
    "language_of",
    "letter_facts",
    "other_controllers_hint",
    "queue_candidate_search",
    "recipient",
    "render_answer",
    "review_entries",
    "settle_routing",
    "start_gathering",
    "store_names",
    "addressee",
]
