"""Why dsr refused an officer's action, in the officer's language.

dsr's rules raise errors with a stable ``code`` (``four_eyes``, ``transition``, …) and the values
their message fills in; the pages show ``[officer.refused.<code>]`` of texts.toml. An error
without a code of its own (a rule outside ``dsr.casefile``) gets a text for its kind, followed by
the rule's English message — never a bare English sentence on a German page. The JSON API keeps
the English message and adds the code (:func:`refusal_code`), for programs to branch on.
"""

from __future__ import annotations

from typing import Any

from dsr import casefile
from dsr.errors import ConnectorError
from dsr.pipeline.deadlines import ExtensionNotAllowed
from dsr.portal.i18n import Language, keys, text
from dsr.portal.officer.words import state_name
from dsr.service.casework import CaseworkError

#: a refusal without a code of its own → the code of its kind (the first that matches)
_BY_KIND: tuple[tuple[type[BaseException], str], ...] = (
    (ConnectorError, "stores_failed"),  # a store could not be read: which one is in its ``store``
    (casefile.AccessDenied, "role"),
    (casefile.TransitionRefused, "not_now"),
    (CaseworkError, "casework"),
    (ValueError, "invalid"),  # msgspec.ValidationError is one too
)
#: texts that end with the English rule ({detail}): used when nothing more precise is known
_GENERIC = {"not_now", "casework", "invalid", "refused"}


def refusal_code(exc: BaseException) -> str:
    """The stable code of a refusal: the error's own, else one for its kind."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    # a rule outside dsr.casefile that re-raised a deadline refusal as TransitionRefused (dsr.service.letters)
    if isinstance(exc.__context__, ExtensionNotAllowed):
        return "extension_not_allowed"
    return next((code for kind, code in _BY_KIND if isinstance(exc, kind)), "refused")


def refusal_text(exc: BaseException, language: Language) -> str:
    """The refusal as the officer reads it: translated by code, the English rule only as a last resort."""
    code = refusal_code(exc)
    key = f"officer.refused.{code}"
    values = _words(language, _values(exc))
    if key in keys() and code not in _GENERIC:
        try:
            return text(language, key, **values)
        except (KeyError, IndexError):  # a value the text expects is missing: say it generically
            pass
    generic = code if code in _GENERIC else next((c for k, c in _BY_KIND if isinstance(exc, k)), "refused")
    return text(language, f"officer.refused.{generic}", detail=_detail(exc))


def _values(exc: BaseException) -> dict[str, Any]:
    """What the refusal's text fills in: the error's ``values`` (a connector's error names its store)."""
    if isinstance(exc, ConnectorError):
        return {"stores": exc.store}
    return dict(getattr(exc, "values", None) or {})


def _words(language: Language, values: dict[str, Any]) -> dict[str, Any]:
    """Case states among the values in words (``current``/``target`` of a refused transition)."""
    return {k: state_name(language, str(v)) if k in ("current", "target") else v for k, v in values.items()}


def _detail(exc: BaseException) -> str:
    # dsr's messages hold no personal data; msgspec's name the field ("Expected `int` - at `$.months`")
    return str(exc) or type(exc).__name__
