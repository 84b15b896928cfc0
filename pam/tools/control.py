"""Conversation control: stop, repeat that, louder/softer, go offline/online.

These tools change nothing themselves: the result's ``control`` names the action and the
conversation controller applies it (stop playback, replay the last answer, change the output
gain, switch the engine mode).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pam.tools.registry import Args, Tool, ToolContext

Action = Literal["stop", "repeat", "louder", "softer", "offline", "online"]

_REPLIES = {
    "stop": "",
    "repeat": "",  # the controller says the last answer again
    "louder": "Okay, louder.",
    "softer": "Okay, quieter.",
    "offline": "Okay, I'll work offline.",
    "online": "Okay, I'll go online when I can.",
}


class ConversationControl(Args):
    action: Action = Field(description="what the user wants PAM to do with the conversation itself")


def conversation_control(ctx: ToolContext, args: ConversationControl) -> dict[str, Any]:
    return {"control": args.action, "reply": _REPLIES[args.action]}


TOOLS = (
    Tool(
        "conversation_control",
        "Stop talking, repeat the last answer, speak louder or softer, or switch to offline/online mode.",
        ConversationControl,
        conversation_control,
    ),
)
