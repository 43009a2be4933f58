"""How the officer's JSON API runs a step for the erasure and rights routes
(:mod:`dsr.portal.officer.erasure_api`, :mod:`dsr.portal.officer.rights_api`).

Each route keeps its own handler: Litestar builds the OpenAPI document from the handler's
signature (its body type) and name (the operation id), so those stay written out where the route
is declared; only what every handler does with its request is here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from dsr import casefile
from dsr.errors import DSRError
from dsr.portal.context import Portal
from dsr.portal.errors import StoresUnavailable, failed_stores
from dsr.portal.officer import actions as a


async def reading_stores(portal: Portal, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` off the event loop. A store it needed that could not be read is 503 with the
    stores' names (``StoresUnavailable``: nothing changed, try again later), never a 500 or a 409."""
    try:
        return await portal.call(fn, *args)
    except DSRError as exc:
        if (stores := failed_stores(exc)) is None:
            raise
        raise StoresUnavailable(stores) from exc


async def run_action(portal: Portal, user: casefile.User, ref: str, name: str, body: msgspec.Struct) -> dict[str, Any]:
    """The case page's action ``name`` (:func:`dsr.portal.officer.actions.run`) as the API answers it."""
    return {"ok": True, **((await reading_stores(portal, a.run, portal, user, ref, name, body)) or {})}
