"""Keep a stream going when a message cannot be processed.

An agent must never let an exception escape: faust restarts a crashed agent, but the
messages it held are neither processed nor acknowledged, so they are skipped until the
next restart and a rebalance waits for them forever. `isolate` retries a failed batch
one message at a time (after the caller's reset, so half-applied in-memory state is
rebuilt from the store) and hands back the messages that fail alone, which the caller
dead-letters with reason `processing_error`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger("wirewatch")
T = TypeVar("T")


@dataclass(frozen=True)
class Failed(Generic[T]):
    item: T
    error: Exception

    @property
    def detail(self) -> str:
        text = str(self.error).strip().splitlines()
        return f"{type(self.error).__name__}: {text[0] if text else ''}"[:1000]


async def isolate(
    items: Sequence[T],
    process: Callable[[Sequence[T]], Awaitable[None]],
    reset: Callable[[], None] | None = None,
) -> list[Failed[T]]:
    """Process the batch; if that fails, reset and process each item alone. Returns the
    items that failed alone. Cancellation is not an error and goes through."""
    try:
        await process(items)
        return []
    except Exception as exc:
        log.warning(
            "a batch of %d failed (%s: %s); retrying its messages one by one",
            len(items),
            type(exc).__name__,
            exc,
            exc_info=exc,
        )
        if reset is not None:
            reset()
    failed = []
    for item in items:
        try:
            await process([item])
        except Exception as exc:
            log.error(
                "a message failed on its own (%s: %s); dead-lettering it",
                type(exc).__name__,
                exc,
                exc_info=exc,
            )
            if reset is not None:
                reset()
            failed.append(Failed(item, exc))
    return failed
