"""The seam where PAM's tools (issue 6) answer before the local LLM can make something up.

A ``ToolRouter`` sees every transcript first. It returns None when no tool applies (the LLM
answers), or a ``ToolOutcome``: words to say verbatim, or facts for the LLM to phrase, plus the
tool calls it made (stored with the turn). A speculative turn may still be thrown away, so on a
speculative query a router must not change anything: if the utterance needs a tool with side
effects, it returns ``ToolOutcome(needs_commit=True)`` and is asked again, non-speculatively,
once the controller commits the turn (``LocalTurn.commit()``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pam.engines.base import ToolCall


@dataclass(frozen=True)
class ToolQuery:
    text: str  # as transcribed ("Add $40 for diesel.")
    normalized: str  # numbers in one form, for intent matching ("Add 40 dollars for diesel.")
    speculative: bool


@dataclass(frozen=True)
class ToolOutcome:
    say: str | None = None  # spoken as is: the answer comes from PAM's data, not the model
    facts: str | None = None  # handed to the LLM with the question, to answer from
    calls: tuple[ToolCall, ...] = ()  # what ran; the engine re-stamps them with the turn id
    needs_commit: bool = False


ToolRouter = Callable[[ToolQuery], ToolOutcome | None]
