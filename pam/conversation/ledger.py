"""Feeds the usage ledger from what the controller publishes."""

from __future__ import annotations

import time

from pam.conversation.messages import TurnFinished
from pam.engines.base import Usage
from pam.store.db import Store
from pam.store.usage import UsageEvent, from_engine, record


class UsageRecorder:
    """A controller subscriber: one ledger row per finished turn (voice time, tool calls) and one
    per engine ``Usage`` event (tokens, cost; kept for cancelled answers too, which are billed
    all the same)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, item: object) -> None:
        if isinstance(item, Usage):
            record(self.store, from_engine(item, time.time()))
        elif isinstance(item, TurnFinished):
            rec = item.record
            event = UsageEvent(
                at=rec.ended_at,
                engine=rec.engine,
                turn_id=item.turn_id or None,
                turns=1,
                voice_seconds=(rec.heard_ms + rec.played_ms) / 1000,
                tool_calls=len(rec.tool_calls),
            )
            record(self.store, event)
