"""A local stand-in for the OpenAI Realtime WebSocket API, driven by scripted scenarios.

It speaks the GA protocol events PAM uses, so the real ``openai`` SDK client connects to it
through its base-URL setting (``http://127.0.0.1:PORT/v1`` → ``ws://…/v1/realtime?model=…``).
"""

from fake_realtime.collect import EventLog, RecordingEngine
from fake_realtime.scenario import Audio, Call, Drop, Fail, Pause, Raw, Reply, Say, Scenario
from fake_realtime.server import FakeRealtimeServer

__all__ = [
    "Audio",
    "Call",
    "Drop",
    "EventLog",
    "Fail",
    "FakeRealtimeServer",
    "Pause",
    "Raw",
    "RecordingEngine",
    "Reply",
    "Say",
    "Scenario",
]
