"""Notes: "remember that the water pump fuse is under the step", and finding them again."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from pam.store import userdata
from pam.tools.registry import Args, Tool, ToolContext

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "my",
        "our",
        "your",
        "i",
        "we",
        "it",
        "that",
        "this",
        "what",
        "where",
        "which",
        "who",
        "how",
        "did",
        "do",
        "does",
        "say",
        "said",
        "about",
        "me",
        "us",
    ]
)


def _words(text: str) -> set[str]:
    """Content words, with a plural s dropped so "tires" finds "tire"."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOPWORDS}


class AddNote(Args):
    text: str = Field(min_length=1, max_length=500, description="the fact to remember, as a sentence")


def add_note(ctx: ToolContext, args: AddNote) -> dict[str, Any]:
    text = args.text.strip().rstrip(".")
    note = userdata.add_note(ctx.store, text, ctx.now().timestamp())
    return {"id": note.id, "reply": f"Noted: {text}."}


class FindNotes(Args):
    query: str = Field("", max_length=200, description="words to look for; empty = the latest notes")
    limit: int = Field(3, ge=1, le=20, description="how many notes at most")


def find_notes(ctx: ToolContext, args: FindNotes) -> dict[str, Any]:
    everything = userdata.notes(ctx.store)
    wanted = _words(args.query)
    if wanted:
        scored = [(len(wanted & _words(n.text)), n) for n in everything]
        found = [n for score, n in sorted(scored, key=lambda p: -p[0]) if score][: args.limit]
    else:
        found = everything[: args.limit]
    notes = [{"id": n.id, "at": n.at, "text": n.text} for n in found]
    if not found:
        reply = f"I don't have a note about {args.query.strip()}." if wanted else "You have no notes yet."
    else:
        reply = " ".join(f"{n.text[0].upper()}{n.text[1:]}." for n in found)
    return {"notes": notes, "reply": reply}


TOOLS = (
    Tool("add_note", "Remember a fact the user tells PAM.", AddNote, add_note),
    Tool("find_notes", "Find what the user asked PAM to remember.", FindNotes, find_notes),
)
