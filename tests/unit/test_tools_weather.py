"""Weather: the offline sentence, and Open-Meteo answers parsed from a local HTTP server (no internet)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from pam.config import ToolsConfig
from pam.store.db import Store
from pam.tools.catalog import default_registry
from pam.tools.registry import ToolContext
from pam.tools.weather import NO_CONNECTION

NOW = datetime(2025, 7, 10, 9, 0, tzinfo=ZoneInfo("America/Denver"))
FORECAST = {
    "current": {"time": "2025-07-10T09:00", "temperature_2m": 71.4, "weather_code": 2, "wind_speed_10m": 6.2},
    "daily": {
        "time": ["2025-07-10", "2025-07-11"],
        "weather_code": [0, 63],
        "temperature_2m_max": [96.2, 88.0],
        "temperature_2m_min": [64.9, 61.3],
        "precipitation_probability_max": [0, 70],
    },
}


class FakeOpenMeteo:
    """A tiny HTTP server on 127.0.0.1 answering like Open-Meteo and recording the queries."""

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.queries: list[dict[str, list[str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.queries.append(parse_qs(urlparse(self.path).query))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/forecast"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "pam.sqlite3")
    yield s
    s.close()


def _weather(store: Store, url: str, online: bool = True, **arguments: Any) -> dict[str, Any]:
    config = ToolsConfig(home="Moab, UT", weather_url=url, weather_timeout_s=2.0)
    registry = default_registry()
    try:
        return registry.call("weather", arguments, ToolContext(store, config, lambda: NOW, online=online))
    finally:
        registry.close()


def test_offline_mode_says_the_sentence_without_trying(store: Store) -> None:
    assert _weather(store, "http://127.0.0.1:9/never", online=False) == {"ok": False, "error": NO_CONNECTION}


def test_no_connection_says_the_sentence(store: Store) -> None:
    with socket.socket() as s:  # a port nothing listens on: the connection is refused, as with no network
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = _weather(store, f"http://127.0.0.1:{port}/v1/forecast")
    assert result == {"ok": False, "error": "I can't get the weather without a connection."}


@pytest.fixture
def server() -> Iterator[FakeOpenMeteo]:
    s = FakeOpenMeteo(json.dumps(FORECAST).encode())
    yield s
    s.close()


def test_forecasts_are_parsed_for_home_and_named_places(store: Store, server: FakeOpenMeteo) -> None:
    today = _weather(store, server.url)
    assert today["reply"] == "Today in Moab, UT: clear, high 96, low 65, 0% chance of rain."
    tomorrow = _weather(store, server.url, place="Flagstaff", when="tomorrow")
    assert (tomorrow["high"], tomorrow["low"], tomorrow["rain_chance"]) == (88, 61, 70)
    assert tomorrow["reply"] == "Tomorrow in Flagstaff, AZ: rain, high 88, low 61, 70% chance of rain."
    now = _weather(store, server.url, when="now")
    assert now["reply"] == "In Moab, UT it's 71 degrees and partly cloudy, wind 6 miles an hour."
    query = server.queries[1]
    assert float(query["latitude"][0]) == pytest.approx(35.198, abs=0.01)
    assert query["temperature_unit"] == ["fahrenheit"] and query["timezone"] == ["auto"]


def test_bad_answers_and_places(store: Store) -> None:
    broken = FakeOpenMeteo(b"<html>oops</html>", status=200)
    failing = FakeOpenMeteo(b"{}", status=503)
    empty = FakeOpenMeteo(b'{"daily": {}}')
    try:
        for s in (broken, failing, empty):
            assert _weather(store, s.url)["error"] == "The weather service gave no usable forecast; try again later."
        assert "don't know where" in _weather(store, empty.url, place="Narnia")["error"]
        assert _weather(store, empty.url, when="yesterday")["ok"] is False
    finally:
        for s in (broken, failing, empty):
            s.close()
