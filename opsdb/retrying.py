"""Retries at the edge (tenacity): what may be retried, how often, how long between attempts.

Retried: opening and acquiring connections (nothing was sent), statements of calls marked
idempotent or replica-safe when they run outside a transaction, claims (a claim lost in
transit expires with its lease), and registration batches (opsdb/registration/). Waits grow
exponentially with full jitter, capped by `Settings.retry_max_wait`; a step gives up after
`retry_attempts` attempts or `retry_max_seconds`, and the last error reaches the caller.
"""

from __future__ import annotations

import logging

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from opsdb.errors import ConfigurationError, ConnectionLostError, DatabaseUnavailableError, TransientError
from opsdb.settings import Settings

log = logging.getLogger("opsdb.retry")


def connect_failure(exc: BaseException) -> bool:
    """Retry-worthy before anything was sent: the server is unreachable, starting or full."""
    return isinstance(exc, DatabaseUnavailableError) and not isinstance(exc, ConfigurationError)


def idempotent_failure(exc: BaseException) -> bool:
    """Retry-worthy for a call that may safely run twice: also a lost connection or a rollback."""
    return connect_failure(exc) or isinstance(exc, ConnectionLostError | TransientError)


def _log(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("attempt %d failed (%s: %s); retrying", state.attempt_number, type(exc).__name__, exc)


def retrying(settings: Settings, *, idempotent: bool = False, attempts: int | None = None) -> AsyncRetrying:
    """A tenacity retrier for one step: `async for attempt in retrying(s): with attempt: ...`."""
    return AsyncRetrying(
        retry=retry_if_exception(idempotent_failure if idempotent else connect_failure),
        stop=stop_after_attempt(attempts or settings.retry_attempts) | stop_after_delay(settings.retry_max_seconds),
        wait=wait_random_exponential(multiplier=0.05, max=settings.retry_max_wait),
        before_sleep=_log,
        reraise=True,
    )
