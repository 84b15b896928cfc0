"""The composition root: builds every part of PAM from the config. Nothing else constructs its
own dependencies, so tests and `pam talk` build the same graph with file devices."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pam import assets as assets_mod
from pam.audio.aec import echo_canceller_for
from pam.audio.capture import MicCapture
from pam.audio.earcons import end_tone, wake_chime
from pam.audio.player import DevicePlayer, FilePlayer, Player
from pam.audio.ring import SampleRing
from pam.config import Config, ToolsConfig
from pam.conversation.controller import Controller
from pam.conversation.ledger import UsageRecorder
from pam.conversation.reminders import ReminderClock
from pam.engines.base import Engine
from pam.engines.canned import CannedEngine
from pam.errors import ConfigError, PamError
from pam.listen.confirm import WakeConfirmer
from pam.listen.events import SAMPLE_RATE
from pam.listen.listener import Listener, ListenerThread
from pam.listen.wakeword import WakeWordDetector
from pam.store.db import Store
from pam.tools.catalog import default_registry
from pam.tools.registry import Registry, ToolContext
from pam.wakeword.verify import checker_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ToolBox:
    """The tool registry with the context its handlers run in; both engines use this one."""

    registry: Registry
    config: ToolsConfig
    store: Store

    def context(self) -> ToolContext:
        return ToolContext(store=self.store, config=self.config, now=lambda: datetime.now().astimezone())

    def run(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.registry.call(name, arguments, self.context())


def build_tools(config: Config, store: Store) -> ToolBox:
    return ToolBox(default_registry(), config.tools, store)


def build_engine(
    config: Config,
    assets: assets_mod.Assets,
    mode: str | None = None,
    tools: ToolBox | None = None,
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
        from pam.engines.local.routing import registry_router

        router = registry_router(tools.registry, tools.context) if tools else None
        return LocalEngine.from_config(config, assets, tool_router=router, on_progress=on_progress)
    if mode in ("auto", "online"):
        from pam.engines.router import Mode, build_router

        local = build_engine(config, assets, "local", tools, on_progress)
        functions = tools.registry.openai_functions() if tools else ()
        run_tool = tools.run if tools else None
        chosen: Mode = "online" if mode == "online" else "auto"
        return build_router(config, assets, local, mode=chosen, tools=functions, run_tool=run_tool, notify=notify)
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
    tools: ToolBox
    engine: Engine
    player: DevicePlayer
    capture: MicCapture
    listener: ListenerThread
    confirmer: WakeConfirmer
    controller: Controller
    reminders: ReminderClock
    session_id: int

    def start(self) -> None:
        self.controller.start()
        self.confirmer.start()
        self.capture.start()
        self.listener.start()
        self.reminders.start()

    def stop(self) -> None:
        self.reminders.stop()
        self.listener.stop()
        self.capture.stop()
        self.confirmer.stop()
        self.controller.stop()
        self.player.close()
        self.engine.close()
        self.tools.registry.close()
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
    tools = build_tools(config, store)
    engine = engine or build_engine(config, assets, engine_mode, tools, on_progress, notify)
    try:
        checker = checker_for(config.wake, assets)
        player = DevicePlayer(
            config.audio.output_device,
            rate=SAMPLE_RATE,
            block_ms=config.audio.block_ms,
            latency_ms=config.audio.output_latency_ms,
            gain=config.audio.output_gain,
        )
    except PamError:
        engine.close()
        tools.registry.close()
        store.close()
        raise
    session_id = store.start_session(engine.name)
    ring = SampleRing(int(config.audio.ring_seconds * SAMPLE_RATE))
    capture = MicCapture(ring, config.audio.input_device, rate=SAMPLE_RATE, block_ms=config.audio.block_ms)
    listener = build_listener(config)
    controller = build_controller(config, engine, player, store, session_id)
    confirmer = WakeConfirmer(controller.post, checker)
    reference = player.reference if config.audio.echo_cancellation else None
    # pair mic and speaker samples an output buffer plus a block apart (see ReferenceTap)
    lead = (config.audio.output_latency_ms + config.audio.block_ms) * SAMPLE_RATE // 1000
    thread = ListenerThread(ring, listener, confirmer, reference_ring=reference, reference_lead=lead)
    reminders = ReminderClock(store, controller.post)
    return Pam(config, store, tools, engine, player, capture, thread, confirmer, controller, reminders, session_id)


def build_file_session(
    config: Config, engine_mode: str | None = None
) -> tuple[Controller, FilePlayer, Store, ToolBox, Engine]:
    """The graph `pam talk` uses: same controller and engine, a player that writes a file."""
    assets = assets_mod.Assets()
    store = Store(config.db_path())
    tools = build_tools(config, store)
    engine = build_engine(config, assets, engine_mode, tools)
    session_id = store.start_session(engine.name)
    player = FilePlayer(rate=SAMPLE_RATE)
    controller = build_controller(config, engine, player, store, session_id)
    return controller, player, store, tools, engine
