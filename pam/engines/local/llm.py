"""The local LLM: llama.cpp's own server code, in-process, through xllamacpp's prebuilt wheel.

Why the server API: it keeps each slot's KV cache between requests, so the fixed system prompt
and the conversation so far are not recomputed on every turn (a warm turn only evaluates the
new user words), and it can shift the cache when old history is pruned. Slot 0 is the
conversation; slot 1 is for one-off JSON requests (tool routing), so they never evict it.

Streaming runs on the caller's thread: llama.cpp generates on its own thread and hands over
each token; returning True from ``on_text`` stops generation at the next token.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pam.errors import ModelError

log = logging.getLogger(__name__)

CHAT_SLOT = 0
SIDE_SLOT = 1
CACHE_REUSE_MIN_TOKENS = 16  # reuse shifted KV chunks at least this long after history pruning

Message = dict[str, str]


@dataclass(frozen=True)
class Generation:
    text: str
    finish_reason: str  # "stop", "length" or "cancelled"
    tokens: int
    tokens_per_s: float
    prompt_ms: float  # evaluating the new part of the prompt (the rest came from the KV cache)


class LocalLlm:
    def __init__(
        self, model_path: Path, threads: int, context: int, system_prompt: str, examples: list[Message] | None = None
    ) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(model_path)
        params.n_parallel = 2
        params.n_ctx = 2 * context  # split evenly between the two slots
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.n_cache_reuse = CACHE_REUSE_MIN_TOKENS
        params.cache_ram_mib = 0  # no second copy of old prompts in RAM: one conversation, one slot
        params.verbosity = 0
        params.n_threads_http = 1
        # The server also listens on a random loopback port that PAM never uses; a random key
        # keeps other local programs from using it.
        params.port = 0
        params.api_keys = [secrets.token_hex(16)]
        try:
            self._server: Any = xllamacpp.Server(params)
        except RuntimeError as err:
            raise ModelError(f"The offline language model could not be loaded from {model_path} ({err}).") from err
        # the fixed prefix of every conversation; evaluated now so the first turn finds it cached
        self.preamble = [{"role": "system", "content": system_prompt}, *(examples or [])]
        self.chat([], "Hello", lambda _: False, max_tokens=1, temperature=0.0)

    def chat(
        self,
        history: list[Message],
        user: str,
        on_text: Callable[[str], bool],
        max_tokens: int,
        temperature: float,
    ) -> Generation:
        """Answer ``user`` after ``history``, streaming text to ``on_text`` (which returns True to stop)."""
        messages = [*self.preamble, *history, {"role": "user", "content": user}]
        request = {
            "messages": messages,
            "stream": True,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "id_slot": CHAT_SLOT,
            "cache_prompt": True,
        }
        parts: list[str] = []
        state: dict[str, Any] = {"finish": "stop", "error": None, "timings": None, "tokens": 0}
        started = time.perf_counter()

        def on_chunk(chunk: dict[str, Any]) -> bool:
            if "error" in chunk:
                state["error"] = chunk["error"]
                return True
            state["timings"] = chunk.get("timings") or state["timings"]
            for choice in chunk.get("choices", []):
                state["finish"] = choice.get("finish_reason") or state["finish"]
                text = choice.get("delta", {}).get("content")
                if text:
                    parts.append(text)
                    state["tokens"] += 1
                    if on_text(text):
                        state["finish"] = "cancelled"
                        return True
            return False

        self._server.handle_chat_completions(request, on_chunk)
        if state["error"] is not None:
            raise ModelError(f"The offline language model failed: {_error_text(state['error'])}.")
        timings = state["timings"] or {}
        elapsed = time.perf_counter() - started
        rate = float(timings.get("predicted_per_second") or (state["tokens"] / elapsed if elapsed > 0 else 0.0))
        tokens = int(timings.get("predicted_n") or state["tokens"])
        prompt_ms = float(timings.get("prompt_ms") or 0.0)
        return Generation("".join(parts), state["finish"], tokens, rate, prompt_ms)

    def complete_json(self, messages: list[Message], schema: dict[str, Any], max_tokens: int = 128) -> Any:
        """A JSON value matching ``schema`` (grammar-constrained), from the side slot; for tool routing."""
        request = {
            "messages": messages,
            "max_tokens": max_tokens,
            "temperature": 0.0,
            "id_slot": SIDE_SLOT,
            "response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}},
        }
        result = self._server.handle_chat_completions(request)
        if "error" in result:
            raise ModelError(f"The offline language model failed: {_error_text(result['error'])}.")
        content = result["choices"][0]["message"]["content"]
        try:
            return json.loads(content)
        except ValueError as err:
            raise ModelError("The offline language model gave JSON that does not parse.") from err

    def close(self) -> None:
        self._server = None  # the destructor stops llama.cpp's threads and frees the model


def parse_examples(text: str) -> list[Message]:
    """Example exchanges from a file: a "> " line is the user's, the next line PAM's; "#" lines are notes."""
    messages: list[Message] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(">"):
            messages.append({"role": "user", "content": line[1:].strip()})
        elif messages and messages[-1]["role"] == "user":
            messages.append({"role": "assistant", "content": line})
    if messages and messages[-1]["role"] == "user":
        messages.pop()  # a question without an answer teaches nothing
    return messages


def _error_text(error: Any) -> str:
    return str(error.get("message", error)) if isinstance(error, dict) else str(error)
