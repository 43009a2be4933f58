"""Rate limits every server process shares: a Litestar store on the portal's database.

Litestar's ``RateLimitMiddleware`` reads the history, checks it and writes it back — atomic
only within one process (an ``anyio.Lock``). Across processes two requests could read the same
count and both pass, and one of the two writes would be lost. So with the database store the
middleware asks the store to check and count in one step (:meth:`DatabaseStore.hit`, see
``dsr.casefile.ratelimit``): with any number of processes, at most the configured number of
attempts per window pass.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import sqlalchemy as sa
from litestar.connection import Request
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import (
    DURATION_VALUES,
    CacheObject,
    RateLimitConfig,
    RateLimitMiddleware,
    get_remote_address,
)
from litestar.stores.base import Store
from litestar.types import Receive, Scope, Send

from dsr.casefile import clock, ratelimit

T = TypeVar("T")


def _seconds(value: int | dt.timedelta | None) -> dt.timedelta | None:
    if value is None or isinstance(value, dt.timedelta):
        return value
    return dt.timedelta(seconds=value)


class DatabaseStore(Store):
    """A Litestar store in the portal's database table ``rate_limits`` (keys kept hashed)."""

    __slots__ = ("engine",)

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def __deepcopy__(self, memo: dict[int, Any]) -> DatabaseStore:
        # Litestar deep-copies routers with their middleware; a copy must count in the same place
        return self

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await anyio.to_thread.run_sync(functools.partial(fn, self.engine, *args, **kwargs))

    async def set(self, key: str, value: str | bytes, expires_in: int | dt.timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        await self._run(ratelimit.put, key, data, _seconds(expires_in))

    async def get(self, key: str, renew_for: int | dt.timedelta | None = None) -> bytes | None:
        return await self._run(ratelimit.get, key, _seconds(renew_for))

    async def delete(self, key: str) -> None:
        await self._run(ratelimit.delete, key)

    async def delete_all(self) -> None:
        await self._run(ratelimit.delete_all)

    async def exists(self, key: str) -> bool:
        return await self._run(ratelimit.exists, key)

    async def expires_in(self, key: str) -> int | None:
        return await self._run(ratelimit.expires_in, key)

    async def hit(self, key: str, limit: int, window: dt.timedelta) -> ratelimit.Hit:
        """Check and count one attempt atomically (across processes)."""
        return await self._run(ratelimit.hit, key, limit, window)

    async def refund(self, key: str) -> None:
        """Take back one counted attempt (see ``dsr.casefile.ratelimit.refund``)."""
        await self._run(ratelimit.refund, key)


class SharedRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate limiter, counting in one atomic step when the store can (the database store)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = scope["litestar_app"]
        store = self.config.get_store_from_app(app)
        if not isinstance(store, DatabaseStore):
            await super().__call__(scope, receive, send)
            return
        request: Request[Any, Any, Any] = app.request_class(scope)
        if await self.should_check_request(request=request):
            window = DURATION_VALUES[self.unit]
            counted = await store.hit(
                self.cache_key_from_request(request), self.max_requests, dt.timedelta(seconds=window)
            )
            # Litestar's headers are computed from a history list and a reset time
            seen = CacheObject(history=[0] * counted.hits, reset=int(counted.resets_at.timestamp()))
            if not counted.allowed:
                raise TooManyRequestsException(
                    headers=self.create_response_headers(cache_object=seen)
                    if self.config.set_rate_limit_headers
                    else None
                )
            if self.config.set_rate_limit_headers:
                send = self.create_send_wrapper(send=send, cache_object=seen)
        await self.app(scope, receive, send)


@dataclass
class SharedRateLimitConfig(RateLimitConfig):
    """A rate limit whose store is given directly (the portal's), not looked up by name in the app."""

    shared_store: Store | None = field(default=None)
    middleware_class: type[RateLimitMiddleware] = field(default=SharedRateLimitMiddleware)

    def get_store_from_app(self, app: Any) -> Store:
        return self.shared_store if self.shared_store is not None else super().get_store_from_app(app)


def client_key(secret: bytes, request: Request[Any, Any, Any]) -> str:
    """The client's address as a keyed hash: counters never hold an address in clear.

    The install's ``[dsr] secret_key`` is the key; without one the hash is unkeyed, and an IPv4
    address could be found again by trying all 2³² of them.
    """
    return hmac.new(secret, get_remote_address(request).encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(slots=True)
class Slot:
    """One submission's place in the limit; :meth:`give_back` when the request was not accepted."""

    returned: bool = False

    def give_back(self) -> None:
        self.returned = True


class SubmissionLimit:
    """Accepted requests per client address and hour (``[portal.rate_limits] submissions_per_hour``).

    A form sent back with mistakes costs nothing: a class behind the school's one address must
    not lock itself out by mistyping dates. The slot is taken *before* the request is stored and
    given back afterwards if it was not accepted, so concurrent submissions can never overshoot
    the limit (with the database store, across processes too); at worst one is refused while
    another's mistake is still being checked.
    """

    def __init__(self, limit: int, secret: bytes, store: Store | None, window: dt.timedelta = dt.timedelta(hours=1)):
        self.limit = limit
        self.secret = secret
        self.store = store if isinstance(store, DatabaseStore) else None
        self.window = window
        # in this process only (``rate_limit_store = "memory"``): key -> (hits, window ends)
        self._counts: dict[str, tuple[int, dt.datetime]] = {}
        self._lock = anyio.Lock()

    def key(self, request: Request[Any, Any, Any]) -> str:
        return f"dsr-submit::{client_key(self.secret, request)}"

    async def _take(self, key: str) -> ratelimit.Hit:
        if self.store is not None:
            return await self.store.hit(key, self.limit, self.window)
        now = clock.utcnow()
        async with self._lock:
            if len(self._counts) > 10_000:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            hits, ends = self._counts.get(key, (0, now))
            if ends <= now:
                hits, ends = 0, now + self.window
            if hits >= self.limit:
                return ratelimit.Hit(False, hits, ends)
            self._counts[key] = (hits + 1, ends)
            return ratelimit.Hit(True, hits + 1, ends)

    async def _give_back(self, key: str) -> None:
        if self.store is not None:
            await self.store.refund(key)
            return
        async with self._lock:
            hits, ends = self._counts.get(key, (0, clock.utcnow()))
            if hits > 0:
                self._counts[key] = (hits - 1, ends)

    @asynccontextmanager
    async def counting(self, request: Request[Any, Any, Any]) -> AsyncIterator[Slot]:
        """Count one submission; given back if the body raises or calls ``slot.give_back()``.
        Raises ``TooManyRequestsException`` (429 with ``Retry-After``) when the limit is reached."""
        key = self.key(request)
        taken = await self._take(key)
        if not taken.allowed:
            wait = max(1, int((taken.resets_at - clock.utcnow()).total_seconds()))
            raise TooManyRequestsException(headers={"Retry-After": str(wait)})
        slot = Slot()
        try:
            yield slot
        except BaseException:
            await self._give_back(key)
            raise
        if slot.returned:
            await self._give_back(key)
