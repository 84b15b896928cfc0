"""Cut a stream of LLM text into speakable clauses, so speech starts before the answer is finished.

A clause ends at a sentence end, at a line break, or at a comma/semicolon/colon/dash once it is
long enough to be worth a synthesis call (the first clause may be shorter, to start speaking
sooner). Punctuation only counts when the next character is already known to be a space, so
"3.5" or "U.S." are never cut. Markdown the model was told not to write is removed here anyway.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[.!?…]+[\"')\]]*(?=\s)|[,;:—–](?=\s)|\n")
_ABBREVIATIONS = frozenset({"mr", "mrs", "ms", "dr", "st", "mt", "ft", "vs", "approx", "jr", "sr"})
_LETTER = re.compile(r"[^\W\d_]")
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}$")  # U.S., e.g.

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+", re.MULTILINE)
_HEADING = re.compile(r"^\s*#+\s*", re.MULTILINE)
_MARKUP = re.compile(r"[*_`~|<>#]+")
_PICTOGRAPHS = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F]")
_SPACES = re.compile(r"\s+")


def speakable(text: str) -> str:
    """``text`` without markdown, links or emoji, on one line; empty if nothing is left to say."""
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _LIST_MARKER.sub("", text)
    text = _HEADING.sub("", text)
    text = _MARKUP.sub("", text)
    text = _PICTOGRAPHS.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return text if any(ch.isalnum() for ch in text) else ""


class ClauseSplitter:
    """Feed text deltas as they stream in; get back the clauses that are complete."""

    def __init__(self, first_min_chars: int = 12, min_chars: int = 40, max_chars: int = 200) -> None:
        self.first_min_chars = first_min_chars
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.count = 0  # clauses handed out so far
        self._buffer = ""

    def feed(self, delta: str) -> list[str]:
        self._buffer += delta
        out: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(self._buffer):
            candidate = self._buffer[start : match.end()]
            if self._ends_clause(candidate, match.group()):
                self._take(candidate, out)
                start = match.end()
        self._buffer = self._buffer[start:]
        if len(self._buffer) > self.max_chars:
            # a run-on answer with no punctuation: cut at a word boundary rather than wait for it
            cut = self._buffer.rfind(" ", 0, self.max_chars)
            if cut > 0:
                self._take(self._buffer[:cut], out)
                self._buffer = self._buffer[cut:]
        return out

    def flush(self) -> str:
        """What is left at the end of the stream, cleaned (empty if nothing speakable)."""
        rest = speakable(self._buffer)
        self._buffer = ""
        if rest:
            self.count += 1
        return rest

    def _take(self, candidate: str, out: list[str]) -> None:
        clause = speakable(candidate)
        if clause:
            out.append(clause)
            self.count += 1

    def _ends_clause(self, candidate: str, mark: str) -> bool:
        if not _LETTER.search(candidate):
            return False  # "1." of a list, or "$40," with nothing to say yet
        if mark == "\n":
            return True
        if mark[0] in ".!?…":
            words = candidate.rstrip("\"')]").split()
            last = words[-1] if words else ""
            abbreviated = last.rstrip(".").lower() in _ABBREVIATIONS or _INITIALISM.match(last)
            return not (mark == "." and abbreviated)
        minimum = self.first_min_chars if self.count == 0 else self.min_chars
        return len(candidate.strip()) >= minimum
