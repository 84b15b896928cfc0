"""The API key never reaches a log: not PAM's, not the SDK's, not websockets' header dump, not an
error message the server echoes the key in."""

from __future__ import annotations

import logging

import pytest
from fake_realtime import EventLog, FakeRealtimeServer, Scenario

from pam.config import RealtimeConfig
from pam.engines.base import EngineDone, UserInput
from pam.engines.realtime import RealtimeEngine
from pam.engines.router import OnlineFailed

RIGHT = "sk-proj-RIGHTkeyForTheLogTest0123456789"
WRONG = "sk-proj-WRONGkeyForTheLogTest9876543210"


def test_the_key_never_appears_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), FakeRealtimeServer(Scenario(api_key=RIGHT)) as server:
        good = RealtimeEngine(RealtimeConfig(base_url=server.base_url), RIGHT)
        bad = RealtimeEngine(RealtimeConfig(base_url=server.base_url), WRONG)
        try:
            ok = EventLog()
            good.respond(UserInput(1, text="hello"), ok)
            assert ok.wait_end() == EngineDone(1)
            failed = EventLog()
            bad.respond(UserInput(2, text="hello"), failed)  # the server echoes this key in its error
            assert isinstance(failed.wait_end(), OnlineFailed)
        finally:
            good.close()
            bad.close()
    text = caplog.text
    assert "Authorization" in text  # websockets logged its request headers at DEBUG...
    assert "Incorrect API key provided" in text  # ...and the server's rejection was logged
    for key in (RIGHT, WRONG):
        assert key not in text
        assert all(key not in record.getMessage() for record in caplog.records)
