"""What a staff password must be: at least 12 characters, and not a common password.

The common ones are the shipped list ``common_passwords.txt`` beside this module (leaked-password
favourites, typical German ones such as ``passwort123``, keyboard walks, common words with the
endings people add), compared case-insensitively. :func:`dsr.casefile.create_user` and
:func:`dsr.casefile.set_password` check every password they are given, so ``dsr user add --prompt``,
``dsr user password --prompt`` and any other way of setting one refuse the same passwords with
:class:`~dsr.casefile.InputRejected` (codes ``password_too_short``, ``password_common``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib.resources import files

from dsr.casefile.errors import InputRejected

LIST = "common_passwords.txt"


@dataclass(frozen=True, slots=True)
class PasswordPolicy:
    min_length: int = 12
    refuse_common: bool = True


_policy = PasswordPolicy()


def use_password_policy(policy: PasswordPolicy) -> PasswordPolicy:
    """Check new passwords with ``policy`` from now on (test suites relax it); returns the one before."""
    global _policy
    before, _policy = _policy, policy
    return before


def current_policy() -> PasswordPolicy:
    return _policy


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower-case (comment lines left out)."""
    text = files("dsr.casefile").joinpath(LIST).read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def password_problem(password: str, policy: PasswordPolicy | None = None) -> InputRejected | None:
    """Why ``password`` may not be used (an error to raise or show), or None."""
    policy = policy or _policy
    if len(password) < policy.min_length:
        return InputRejected(
            f"the password needs at least {policy.min_length} characters",
            code="password_too_short",
            min_length=policy.min_length,
        )
    if policy.refuse_common and is_common(password):
        return InputRejected("the password is on the list of common passwords; choose another", code="password_common")
    return None


def check_password(password: str, policy: PasswordPolicy | None = None) -> None:
    """Raise :class:`InputRejected` unless ``password`` meets the policy."""
    problem = password_problem(password, policy)
    if problem is not None:
        raise problem
