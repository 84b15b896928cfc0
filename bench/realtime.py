"""The online engine's own overhead, against the fake Realtime server on 127.0.0.1 (the real SDK
client, the real engine, the real player and the real canned engine; no OpenAI account needed)."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from bench.stats import summary
from pam import paths
from pam.audio.player import FilePlayer
from pam.config import RealtimeConfig
from pam.engines.base import AudioChunk, EngineDone, EngineEvent, EngineTurn, EventSink, UserInput
from pam.engines.canned import CannedEngine, espeak
from pam.engines.realtime import RealtimeEngine
from pam.engines.router import Backoff, Router

sys.path.insert(0, str(paths.project_root() / "tests"))  # the fake server lives with the tests
from fake_realtime import Audio, Drop, EventLog, FakeRealtimeServer, Reply
from fake_realtime.scenario import TEST_KEY

HOW = """
`realtime_added_latency_ms`: the fake Realtime server (same process, own thread, 127.0.0.1) streams
answers as 40 ms `response.output_audio.delta` events, faster than real time as the real API
does. Each delta is stamped just before the server writes it to the socket; PAM's side is stamped
when `FilePlayer.play()` (resampling 24 kHz to the 16 kHz output, queueing) returns for that
chunk. The figure is the difference per delta: loopback transfer, the SDK's WebSocket receive,
JSON + base64 decoding, PAM's event dispatch and the hand-off to the player. It leaves out the
device buffer after the player's queue (≈ one 20 ms block plus the sound server's latency, see
`audio_callback`). Server and client share one Python process, so the server's own work competes
for the GIL: the numbers err high. `failover_ms`: the server aborts the TCP connection 200 ms into
an answer; the figure runs from the abort to the first audio chunk of the local engine (here the
built-in canned engine, espeak-ng) reaching the controller. `failover_detect_ms` is the part
until the local engine is asked to answer (the rest is that engine's own time to first audio).
"""


class _Timed:
    """The canned engine, noting when the router hands it a turn."""

    name = "canned"

    def __init__(self) -> None:
        self.inner = CannedEngine()
        self.started_ns: list[int] = []

    def respond(self, user: UserInput, emit: EventSink) -> EngineTurn:
        self.started_ns.append(time.perf_counter_ns())
        return self.inner.respond(user, emit)

    def close(self) -> None:
        self.inner.close()


def _added_latency(turns: int, answer_ms: int) -> list[float]:
    samples: list[float] = []
    with FakeRealtimeServer() as server:
        engine = RealtimeEngine(RealtimeConfig(base_url=server.base_url), TEST_KEY)
        try:
            for turn_id in range(1, turns + 1):
                server.replies.append(Reply(steps=(Audio(ms=answer_ms, chunk_ms=40, pace_s=0.01),)))
                player = FilePlayer()
                handed: list[int] = []

                def to_player(event: EngineEvent, player: FilePlayer = player, handed: list[int] = handed) -> None:
                    if isinstance(event, AudioChunk):
                        player.play(event.samples, event.sample_rate)
                        handed.append(time.perf_counter_ns())

                log = EventLog(on_event=to_player)
                first = len(server.audio_sent_ns)
                engine.respond(UserInput(turn_id, text="How far is the next campground?"), log)
                log.wait_for(EngineDone, timeout=30)
                sent = server.audio_sent_ns[first : first + len(handed)]
                if turn_id > 1:  # the first turn also pays for connecting and warming imports up
                    samples += [(h - s) / 1e6 for s, h in zip(sent, handed, strict=True)]
        finally:
            engine.close()
    return samples


def _failover(runs: int) -> tuple[list[float], list[float]]:
    total: list[float] = []
    detect: list[float] = []
    espeak("warm up")  # the first espeak-ng start loads its voice files
    with FakeRealtimeServer() as server:
        online = RealtimeEngine(RealtimeConfig(base_url=server.base_url), TEST_KEY)
        local = _Timed()
        router = Router("auto", local, online, backoff=Backoff(initial_s=0.05, max_s=0.05, jitter=0.0))
        try:
            for turn_id in range(1, runs + 1):
                server.replies.append(Reply(steps=(Audio(ms=200), Drop())))
                while router.active != "realtime" or server.connections < turn_id:
                    router.start()  # (re)connect before each run, as the background retry would
                    time.sleep(0.02)
                first_local: list[int] = []
                ready = threading.Event()

                def watch(
                    event: EngineEvent, first_local: list[int] = first_local, ready: threading.Event = ready
                ) -> None:
                    if isinstance(event, AudioChunk) and event.sample_rate != 24_000 and not first_local:
                        first_local.append(time.perf_counter_ns())
                        ready.set()

                log = EventLog(on_event=watch)
                router.respond(UserInput(turn_id, text="Where can we fill water?"), log)
                if not ready.wait(30):
                    raise RuntimeError("the local engine never answered after the drop")
                log.wait_for(EngineDone, timeout=30)
                dropped = server.drop_ns[-1]
                total.append((first_local[0] - dropped) / 1e6)
                detect.append((local.started_ns[-1] - dropped) / 1e6)
        finally:
            router.close()
    return total, detect


def run(quick: bool = False) -> dict[str, Any]:
    added = _added_latency(turns=4 if quick else 11, answer_ms=2000 if quick else 4000)
    failover, detect = _failover(runs=3 if quick else 10)
    return {
        "realtime_added_latency_ms": summary(added),
        "failover_ms": summary(failover),
        "failover_detect_ms": summary(detect),
    }


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
