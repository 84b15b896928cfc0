"""The composition root: builds every part of PAM from the config. Nothing else constructs its
own dependencies, so tests and `pam talk` build the same graph with file devices."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass

from pam import assets as assets_mod
from pam.audio.aec import echo_canceller_for
from pam.audio.capture import MicCapture
from pam.audio.earcons import end_tone, wake_chime
from pam.audio.player import DevicePlayer, FilePlayer, Player
from pam.audio.ring import SampleRing
from pam.config import Config
from pam.conversation.controller import Controller
from pam.conversation.ledger import UsageRecorder
from pam.conversation.reminders import ReminderClock
from pam.engines.base import Engine
from pam.engines.canned import CannedEngine
from pam.errors import ConfigError
from pam.listen.events import SAMPLE_RATE
from pam.listen.listener import Listener, ListenerThread
from pam.listen.wakeword import WakeWordDetector
from pam.store.db import Store

log = logging.getLogger(__name__)


def build_engine(
    config: Config,
    assets: assets_mod.Assets,
    mode: str | None = None,
    on_progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Engine:
    """``on_progress`` hears the offline engine's loading steps, ``notify`` the router's notices
    (e.g. "answering offline"); the tray shows both."""
    mode = mode or config.engine.mode
    if mode == "canned":
        return CannedEngine()
    if mode == "local":
        from pam.engines.local.engine import LocalEngine

        return LocalEngine.from_config(config, assets, on_progress=on_progress)
    if mode in ("auto", "online"):
        from pam.engines.router import build_router

        local = build_engine(config, assets, "local", on_progress)
        return build_router(config, assets, local, notify=notify)
    raise ConfigError(f"Unknown engine mode '{mode}'; use canned, local, auto or online.")


def build_wake(config: Config) -> WakeWordDetector | None:
    if not config.wake.enabled:
        return None
    return WakeWordDetector.from_config(config.wake)


def build_listener(config: Config, wake: bool = True) -> Listener:
    """The listener, with the echo canceller when ``audio.echo_cancellation`` is on."""
    return Listener(config, build_wake(config) if wake else None, echo_canceller_for(config.audio))


@dataclass
class Pam:
    """A running assistant on real devices."""

    config: Config
    store: Store
    engine: Engine
    player: DevicePlayer
    capture: MicCapture
    listener: ListenerThread
    controller: Controller
    reminders: ReminderClock
    session_id: int

    def start(self) -> None:
        self.controller.start()
        self.capture.start()
        self.listener.start()
        self.reminders.start()

    def stop(self) -> None:
        self.reminders.stop()
        self.listener.stop()
        self.capture.stop()
        self.controller.stop()
        self.player.close()
        self.engine.close()
        self.store.end_session(self.session_id)
        self.store.close()


def build_controller(config: Config, engine: Engine, player: Player, store: Store, session_id: int) -> Controller:
    chime = wake_chime() if config.conversation.chime else None
    end = end_tone() if config.conversation.chime else None
    controller = Controller(engine, player, store, config.conversation, session_id, chime=chime, end_tone=end)
    controller.subscribe(UsageRecorder(store))
    return controller


def build_live(
    config: Config,
    engine_mode: str | None = None,
    engine: Engine | None = None,
    on_progress: Callable[[str], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> Pam:
    # the audio callbacks need the GIL in time: have Python threads hand it over every 1 ms, not 5
    sys.setswitchinterval(0.001)
    assets = assets_mod.Assets()
    store = Store(config.db_path())
    engine = engine or build_engine(config, assets, engine_mode, on_progress, notify)
    session_id = store.start_session(getattr(engine, "name", "unknown"))
    player = DevicePlayer(
        config.audio.output_device,
        rate=SAMPLE_RATE,
        block_ms=config.audio.block_ms,
        latency_ms=config.audio.output_latency_ms,
        gain=config.audio.output_gain,
    )
    ring = SampleRing(int(config.audio.ring_seconds * SAMPLE_RATE))
    capture = MicCapture(ring, config.audio.input_device, rate=SAMPLE_RATE, block_ms=config.audio.block_ms)
    listener = build_listener(config)
    controller = build_controller(config, engine, player, store, session_id)
    reference = player.reference if config.audio.echo_cancellation else None
    # pair mic and speaker samples an output buffer plus a block apart (see ReferenceTap)
    lead = (config.audio.output_latency_ms + config.audio.block_ms) * SAMPLE_RATE // 1000
    thread = ListenerThread(ring, listener, controller.post, reference_ring=reference, reference_lead=lead)
    reminders = ReminderClock(store, controller.post)
    return Pam(config, store, engine, player, capture, thread, controller, reminders, session_id)


def build_file_session(config: Config, engine_mode: str | None = None) -> tuple[Controller, FilePlayer, Store, Engine]:
    """The graph `pam talk` uses: same controller and engine, a player that writes a file."""
    assets = assets_mod.Assets()
    store = Store(config.db_path())
    engine = build_engine(config, assets, engine_mode)
    session_id = store.start_session(getattr(engine, "name", "unknown"))
    player = FilePlayer(rate=SAMPLE_RATE)
    controller = build_controller(config, engine, player, store, session_id)
    return controller, player, store, engine
