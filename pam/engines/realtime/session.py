"""The Realtime session PAM asks for (the ``session.update`` body), built from the config.

Turn detection is off (``turn_detection: null``). PAM already runs its own endpointer on the mic,
with the speculative/commit timing and the barge-in logic the rest of the app depends on. With
server VAD on, the server would decide on its own when the user finished (a second, competing
opinion arriving one network round trip later), would start answers PAM did not commit to, and
would cancel answers when it hears PAM's own voice leaking into the mic. So PAM sends the user's
audio, then ``input_audio_buffer.commit`` and ``response.create`` itself when its endpointer
commits the turn, and sends ``response.cancel`` itself on barge-in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pam.config import RealtimeConfig
from pam.engines.realtime.events import API_RATE

INSTRUCTIONS = """\
You are PAM, a warm and concise travel companion for people on the road in RVs, campervans and \
motorhomes. You are heard, not read: answer in one to three short spoken sentences in plain \
everyday language, with no lists, markdown, URLs or emoji. Be friendly and practical, like a \
fellow traveller riding along. Use your tools for the traveller's budget, trips, timers, notes \
and weather instead of guessing, and say briefly what you did. If you are not sure, say so and \
suggest how to find out. Answer in the language the user speaks."""

PCM = {"type": "audio/pcm", "rate": API_RATE}


def function_tools(definitions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Tool definitions in the Realtime shape (``{"type": "function", "name", ...}``).

    Accepts that shape or the Chat Completions one (``{"type": "function", "function": {...}}``),
    so any OpenAI-style registry output can be passed as is."""
    tools = []
    for definition in definitions:
        spec = definition.get("function", definition)
        tool: dict[str, Any] = {"type": "function", "name": spec["name"]}
        if spec.get("description"):
            tool["description"] = spec["description"]
        tool["parameters"] = spec.get("parameters") or {"type": "object", "properties": {}}
        tools.append(tool)
    return tools


def session_config(
    config: RealtimeConfig, tools: Sequence[Mapping[str, Any]] = (), instructions: str = INSTRUCTIONS
) -> dict[str, Any]:
    """The ``session`` object of PAM's ``session.update`` (the model is chosen in the URL)."""
    audio_in: dict[str, Any] = {"format": PCM, "turn_detection": None}
    if config.transcription_model:
        audio_in["transcription"] = {"model": config.transcription_model}
    session: dict[str, Any] = {
        "type": "realtime",
        "instructions": instructions,
        "output_modalities": ["audio"],
        "max_output_tokens": config.max_output_tokens,
        "audio": {"input": audio_in, "output": {"format": PCM, "voice": config.voice}},
    }
    if tools:
        session["tools"] = function_tools(tools)
        session["tool_choice"] = "auto"
    return session
