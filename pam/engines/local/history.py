"""The conversation the local LLM sees: recent exchanges only, within a token budget.

Tokens are estimated (about 4 characters per token for English with Qwen's tokenizer, plus the
chat template's few tokens per message); the budget is a soft size, not an exact count. The
oldest exchanges go first. Dropping from the front changes the prompt's prefix, but llama.cpp's
cache reuse shifts the surviving part of the KV cache instead of recomputing it.
"""

from __future__ import annotations

from dataclasses import dataclass

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 5  # <|im_start|>role\n ... <|im_end|>\n


def estimate_tokens(text: str) -> int:
    return len(text) // CHARS_PER_TOKEN + TOKENS_PER_MESSAGE


@dataclass(frozen=True)
class Exchange:
    turn_id: int
    user: str
    assistant: str

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.user) + estimate_tokens(self.assistant)


class History:
    def __init__(self, budget_tokens: int) -> None:
        self.budget_tokens = budget_tokens
        self._exchanges: list[Exchange] = []

    def add(self, turn_id: int, user: str, assistant: str) -> None:
        self._exchanges.append(Exchange(turn_id, user, assistant))
        self._prune()

    def amend(self, turn_id: int, assistant: str | None) -> None:
        """Replace the answer of ``turn_id`` with what the user actually heard; None forgets the turn."""
        for i, exchange in enumerate(self._exchanges):
            if exchange.turn_id == turn_id:
                if assistant:
                    self._exchanges[i] = Exchange(turn_id, exchange.user, assistant)
                else:
                    del self._exchanges[i]
                return

    def messages(self) -> list[dict[str, str]]:
        out = []
        for exchange in self._exchanges:
            out.append({"role": "user", "content": exchange.user})
            out.append({"role": "assistant", "content": exchange.assistant})
        return out

    @property
    def tokens(self) -> int:
        return sum(e.tokens for e in self._exchanges)

    def __len__(self) -> int:
        return len(self._exchanges)

    def _prune(self) -> None:
        while self._exchanges and self.tokens > self.budget_tokens:
            del self._exchanges[0]
