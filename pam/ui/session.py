"""PAM's running graph as the tray sees it: built, changed and stopped on one worker thread.

Building PAM loads models and opens audio devices, which can take seconds; the Qt main thread
only submits jobs and hears back through the bridge (``Loading`` → ``Ready`` or ``Failed``).
Jobs run one at a time in order, so a Quit clicked while models load stops what was built.

``pam`` is the running graph as the main thread knows it (None until ready); ``_running`` is the
worker's own reference, touched only by jobs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from pam import app
from pam.audio.capture import MicCapture
from pam.audio.earcons import end_tone, wake_chime
from pam.config import Config
from pam.conversation.messages import Notice, SetMuted
from pam.engines.base import Engine
from pam.engines.router import Router
from pam.errors import PamError
from pam.listen.wakeword import wake_phrase
from pam.store.db import Store
from pam.ui.bridge import Background, Bridge
from pam.ui.preferences import Step, plan
from pam.ui.status import EngineChanged, Failed, Loading, Progress, Ready, WakeWordChanged
from pam.wakeword.verify import checker_for

log = logging.getLogger(__name__)

ROUTER_MODES = ("auto", "local", "online")


def active_engine(engine: Engine) -> str:
    """Who answers a turn starting now (the router decides per turn)."""
    if isinstance(engine, Router):
        return engine.active
    return str(getattr(engine, "name", "unknown"))


def failure_sentence(err: BaseException, doing: str = "start") -> str:
    if isinstance(err, PamError):
        return str(err)
    return f"PAM could not {doing} ({type(err).__name__}: {err}); run `pam doctor` to find out why."


class Session:
    def __init__(self, config: Config, engine_mode: str | None, bridge: Bridge) -> None:
        self.config = config
        self.engine_mode = engine_mode  # the command line's --engine, until the user picks one
        self.bridge = bridge
        self.pam: app.Pam | None = None
        self.muted = False
        self._generation = 0  # bumped by each start: results of a superseded build are ignored
        self._running: app.Pam | None = None
        self._work = Background("pam-session")

    @property
    def mode(self) -> str:
        return self.engine_mode or self.config.engine.mode

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Build and start PAM (stopping a running one first)."""
        self.pam = None
        self._generation += 1
        generation = self._generation
        self.bridge.post(Loading("Loading PAM's models…"))
        config, mode, muted = self.config, self.engine_mode, self.muted
        self._work.run(
            lambda: self._build(config, mode, muted),
            lambda pam: self._started(pam, generation),
            lambda err: self._failed(err, generation),
        )

    def _build(self, config: Config, mode: str | None, muted: bool) -> app.Pam:
        self._stop_running()
        pam = app.build_live(
            config,
            engine_mode=mode,
            on_progress=lambda message: self.bridge.post(Progress(message)),
            notify=lambda message: self.bridge.post(Notice(message)),
        )
        self._running = pam
        try:
            self.bridge.post(Loading("Opening the microphone and speaker…"))
            pam.controller.subscribe(self.bridge.post)
            if isinstance(pam.engine, Router):
                pam.engine.start()
            pam.start()
            if muted:
                pam.controller.post(SetMuted(True))
                pam.capture.stop()
        except BaseException:
            self._stop_running()
            raise
        return pam

    def _started(self, pam: app.Pam, generation: int) -> None:
        if generation != self._generation:
            return  # a later start is already rebuilding it
        self.pam = pam
        wake = pam.listener.listener.wake is not None
        ready = Ready(self.mode, active_engine(pam.engine), wake, wake_phrase(self.config.wake.model) if wake else "")
        models = getattr(pam.engine, "ready", None)
        if isinstance(models, threading.Event) and not models.is_set():
            # the offline engine loads its models on its own thread (an early turn waits for
            # them): the icon says "loading" until they are in, and the worker stays free
            self.bridge.post(Loading("Waiting for the offline models…"))
            waiter = threading.Thread(
                target=self._announce_when_loaded, args=(pam.engine, models, ready, generation), daemon=True
            )
            waiter.start()
        else:
            self._announce(ready)

    def _announce_when_loaded(self, engine: Engine, models: threading.Event, ready: Ready, generation: int) -> None:
        models.wait()
        if generation != self._generation:
            return
        for problem in getattr(engine, "problems", []):
            self.bridge.post(Notice(str(problem)))
        self._announce(ready)

    def _announce(self, ready: Ready) -> None:
        log.info("PAM is ready (engine %s)", ready.active_engine)
        self.bridge.post(ready)

    def _failed(self, err: BaseException, generation: int) -> None:
        if generation != self._generation:
            return
        log.error("PAM could not start: %s", err)
        self.bridge.post(Failed(failure_sentence(err)))

    def stop(self, then: Callable[[], None]) -> None:
        """Stop PAM on the worker, then call ``then`` on the main thread (also if stopping failed)."""
        self.pam = None
        self._generation += 1
        self._work.run(self._stop_running, lambda _: then(), lambda _: then())

    def _stop_running(self) -> None:
        pam = self._running
        if pam is not None:
            try:
                pam.stop()
            finally:
                self._running = None

    @property
    def running(self) -> bool:
        """Whether a PAM built by this session is still up (until ``stop`` has finished)."""
        return self._running is not None

    def close(self) -> None:
        self._work.shutdown(wait=True)

    # --- commands from the menu ---------------------------------------------------------------

    def set_muted(self, muted: bool) -> None:
        """Muting ends the turn at once and closes the microphone stream (the OS shows it unused)."""
        self.muted = muted
        if self.pam is None:
            return
        if muted:
            self.pam.controller.post(SetMuted(True))
            self._work.run(self._close_mic, on_error=self._notice)
        else:
            self._work.run(self._reopen_mic, on_error=self._notice)

    def _close_mic(self) -> None:
        if self._running is not None:
            self._running.capture.stop()

    def _reopen_mic(self) -> None:
        if self._running is not None:
            self._running.capture.start()
            self._running.controller.post(SetMuted(False))

    def check_health(self) -> None:
        """A listener thread that died (a broken device or model) is an error the user must see."""
        pam = self.pam
        if pam is not None and not pam.listener.alive:
            reason = pam.listener.error
            detail = str(reason) if isinstance(reason, PamError) else type(reason).__name__
            self.pam = None
            self.bridge.post(Failed(f"PAM stopped listening ({detail}); choose Restart PAM in the menu."))
        elif pam is not None:
            self.bridge.post(EngineChanged(self.mode, active_engine(pam.engine)))

    # --- settings ----------------------------------------------------------------------------

    def apply(self, new: Config, engine_chosen: bool = False) -> set[Step]:
        """Run PAM with ``new`` from now on, changing only what the changes need; returns the steps
        (the caller handles the tray's own: hotkey, autostart, overlay). ``engine_chosen``: the
        user picked ``new.engine.mode`` (it replaces the command line's ``--engine``)."""
        old, self.config = self.config, new
        steps = plan(old, new)
        if engine_chosen and self.engine_mode not in (None, new.engine.mode):
            steps.add(Step.ENGINE_MODE)
        if Step.ENGINE_MODE in steps:
            self.engine_mode = None
        pam = self.pam
        if pam is None:
            if Step.REBUILD in steps or Step.ENGINE_MODE in steps:
                self.start()
            return steps
        pam.config = new
        if Step.REBUILD in steps:
            self.start()
            return steps
        if Step.CONVERSATION in steps:
            # atomic attribute swaps: the controller reads them afresh at each use
            pam.controller.config = new.conversation
            pam.controller.chime = wake_chime() if new.conversation.chime else None
            pam.controller.end_tone = end_tone() if new.conversation.chime else None
        if Step.LISTENER in steps:
            self._work.run(lambda: self._swap_listener(new), self._listener_swapped, self._notice)
        if Step.CAPTURE in steps:
            self._work.run(lambda: self._swap_capture(new), on_error=self._notice)
        if Step.ENGINE_MODE in steps:
            self._switch_engine(pam)
        return steps

    def _swap_listener(self, config: Config) -> bool:
        running = self._running
        if running is None:
            return False
        listener = app.build_listener(config)
        if config.audio.echo_cancellation and running.listener.reference_ring is None:
            running.listener.reference_ring = running.player.reference
        # rebuilt, not kept: it listens for the name of the wake word now configured
        running.confirmer.checker = checker_for(config.wake)
        # the listener thread picks up the new one at its next frame (one attribute store)
        running.listener.listener = listener
        return listener.wake is not None

    def _listener_swapped(self, wake: bool) -> None:
        self.bridge.post(WakeWordChanged(wake))

    def _swap_capture(self, config: Config) -> None:
        running = self._running
        if running is None:
            return
        old = running.capture
        old.stop()
        new = MicCapture(old.ring, config.audio.input_device, rate=old.rate, block_ms=config.audio.block_ms)
        if not self.muted:
            try:
                new.start()
            except PamError:
                old.start()  # keep listening on the microphone that worked
                raise
        running.capture = new

    def _switch_engine(self, pam: app.Pam) -> None:
        engine = pam.engine
        if isinstance(engine, Router) and self.mode in ROUTER_MODES:
            engine.mode = self.mode  # type: ignore[assignment]  # checked against ROUTER_MODES
            engine.start()
            self.bridge.post(EngineChanged(self.mode, active_engine(engine)))
        else:
            self.start()  # a different kind of engine: build it

    def _notice(self, err: BaseException) -> None:
        self.bridge.post(Notice(failure_sentence(err, "make that change")))

    def read(self, job: Callable[[Store], Any], on_done: Callable[[Any], None]) -> None:
        """Run ``job`` on the running PAM's store on the worker (in order with the other jobs, so
        never on a store being closed); ``on_done`` gets its result, or None when PAM is not running."""

        def work() -> Any:
            running = self._running
            return job(running.store) if running is not None else None

        self._work.run(work, on_done, self._notice)
