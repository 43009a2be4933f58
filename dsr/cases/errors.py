"""Errors of the case workflow. Messages name cases by reference and users by id, never a person."""

from __future__ import annotations

from dsr.errors import DSRError


class CaseError(DSRError):
    """Base of the case workflow's errors."""


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
