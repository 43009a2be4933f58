"""Errors of the case workflow. Messages name cases by reference and users by id, never a person."""

from __future__ import annotations

from dsr.errors import DSRError


class CaseError(DSRError):
    """Base of the case workflow's errors.

    ``code`` names the rule that refused, stably (``four_eyes``, ``transition``, …) and ``values``
    what the message fills in (states, counts — never personal data): the officer pages show the
    text of ``code`` in the officer's language, the JSON API passes it on as ``code``. The English
    message stays for logs and the API's ``message``.
    """

    def __init__(self, message: str = "", *, code: str | None = None, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


class NotFound(CaseError):
    """No such case, user, job or download — or not one the caller may see."""


class AccessDenied(CaseError):
    """The user lacks the role, or the case belongs to a controller the user is not a member of."""


class TransitionRefused(CaseError):
    """A state change was asked for that the workflow's rules forbid (the message says which rule)."""


class CodeRejected(CaseError):
    """A one-time code or secret was wrong, expired, used, or its attempts are exhausted."""


class TooManyRequests(CaseError):
    """A limit was reached: resends of a code, or login attempts (the account is locked)."""


class LoginFailed(CaseError):
    """Unknown user, wrong password or wrong second factor (deliberately not saying which)."""


class LeaseLost(CaseError):
    """A worker's lease on a job expired and another worker took it over."""


class InputRejected(ValueError):
    """A value a person typed breaks a rule (still a ``ValueError``); ``code``/``values`` as on :class:`CaseError`."""

    def __init__(self, message: str, *, code: str, **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values
