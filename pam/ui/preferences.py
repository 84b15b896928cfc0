"""Settings changed in the tray: merged into the running config, saved to the config file, and
sorted into what each change needs to take effect without restarting PAM."""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from pam import config as config_mod
from pam import paths
from pam.config import Config
from pam.errors import ConfigError

Changes = dict[str, dict[str, Any]]
"""``{"section": {"key": value}}``, e.g. ``{"wake": {"threshold": 0.6}}``."""


class Step(enum.Enum):
    CONVERSATION = "conversation"  # swap the controller's settings
    LISTENER = "listener"  # a new listener (VAD, endpointer, wake word, echo canceller)
    CAPTURE = "capture"  # reopen the microphone
    ENGINE_MODE = "engine_mode"  # the router's mode, or a new engine
    REBUILD = "rebuild"  # stop everything and build it again
    HOTKEY = "hotkey"
    AUTOSTART = "autostart"
    OVERLAY = "overlay"


_LISTENER_AUDIO_KEYS = {"echo_cancellation"}
_CAPTURE_AUDIO_KEYS = {"input_device"}
_SECTION_STEPS = {
    "conversation": Step.CONVERSATION,
    "listen": Step.LISTENER,
    "wake": Step.LISTENER,
    "local": Step.REBUILD,
    "realtime": Step.REBUILD,
    "tools": Step.REBUILD,
    "store": Step.REBUILD,
}
_UI_STEPS = {"hotkey": Step.HOTKEY, "start_on_login": Step.AUTOSTART, "show_overlay": Step.OVERLAY}


def merged(config: Config, changes: Changes) -> Config:
    """``config`` with ``changes`` applied; a bad value is a ConfigError sentence."""
    data = config.model_dump()
    for section, values in changes.items():
        data[section].update(values)
    try:
        return Config.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"The setting {key} = {first.get('input')!r} is not valid ({first['msg'].lower()}); change it."
        ) from err


def save(changes: Changes, path: Path | None = None) -> None:
    """Write ``changes`` into the config file, keeping what is there (not the PAM_* overrides of this run)."""
    path = path or paths.config_file()
    on_disk = config_mod.load(path, environ={}, write_default=False)
    text = config_mod.to_toml(merged(on_disk, changes))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_name(path.name + ".new")
        scratch.write_text(text, encoding="utf-8")
        os.replace(scratch, path)  # a crash mid-write never leaves half a config
    except OSError as err:
        raise ConfigError(
            f"Cannot save the settings to {path} ({err.strerror}); check the folder's permissions."
        ) from err


def plan(old: Config, new: Config) -> set[Step]:
    """What has to happen for ``new`` to take effect on a PAM running with ``old``."""
    steps: set[Step] = set()
    for section in Config.model_fields:
        before, after = getattr(old, section).model_dump(), getattr(new, section).model_dump()
        changed = {key for key in after if after[key] != before[key]}
        if not changed:
            continue
        if section == "audio":
            if changed - _LISTENER_AUDIO_KEYS - _CAPTURE_AUDIO_KEYS:
                steps.add(Step.REBUILD)  # the speaker, block size or ring: the whole audio graph
            if changed & _LISTENER_AUDIO_KEYS:
                steps.add(Step.LISTENER)
            if changed & _CAPTURE_AUDIO_KEYS:
                steps.add(Step.CAPTURE)
        elif section == "engine":
            steps.add(Step.ENGINE_MODE)
        elif section == "ui":
            steps.update(_UI_STEPS[key] for key in changed if key in _UI_STEPS)
        else:
            steps.add(_SECTION_STEPS[section])
    if Step.REBUILD in steps:
        steps -= {Step.CONVERSATION, Step.LISTENER, Step.CAPTURE, Step.ENGINE_MODE}
    return steps
