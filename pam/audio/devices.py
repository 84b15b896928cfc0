"""Finding microphones and speakers, and turning PortAudio failures into sentences a user can act on.

``sounddevice`` is imported on first use: importing it initialises PortAudio, which scans the
devices once (slow, and the scan is what later opens use), so ``pam --help`` stays fast and a
test can start its audio server before the scan.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from pam.errors import AudioError

log = logging.getLogger(__name__)

Kind = Literal["input", "output"]

_NO_DEVICE = {
    "input": "start PulseAudio/PipeWire or plug in a microphone",
    "output": "start PulseAudio/PipeWire or plug in speakers or headphones",
}


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    inputs: int
    outputs: int
    default_rate: float
    is_default_input: bool
    is_default_output: bool


def sounddevice() -> ModuleType:
    """The ``sounddevice`` module, or an AudioError if the PortAudio library is missing."""
    try:
        import sounddevice as sd
    except OSError as err:
        raise AudioError(
            f"The PortAudio library is missing ({err}); install it (Debian/Ubuntu: libportaudio2)."
        ) from err
    return sd


_open_streams: set[int] = set()


def stream_opened(stream: object) -> None:
    _open_streams.add(id(stream))


def stream_closed(stream: object) -> None:
    _open_streams.discard(id(stream))


def rescan(wait_s: float = 5.0) -> bool:
    """Scan the devices again (a server started or a device plugged in after the first scan).

    PortAudio aborts the process if it is re-initialised under an open stream, so this waits up
    to ``wait_s`` for PAM's streams to close and otherwise leaves the old scan in place (False)."""
    deadline = time.monotonic() + wait_s
    while _open_streams and time.monotonic() < deadline:
        time.sleep(0.05)
    if _open_streams:
        log.warning("devices not rescanned: %d audio streams are still open", len(_open_streams))
        return False
    sd = sounddevice()
    sd._terminate()
    sd._initialize()
    return True


def list_devices() -> list[DeviceInfo]:
    sd = sounddevice()
    try:
        raw: list[dict[str, Any]] = list(sd.query_devices())
        default_in, default_out = sd.default.device
    except sd.PortAudioError as err:
        raise audio_error(err, "input") from err
    return [
        DeviceInfo(
            index=int(d["index"]),
            name=str(d["name"]),
            inputs=int(d["max_input_channels"]),
            outputs=int(d["max_output_channels"]),
            default_rate=float(d["default_samplerate"]),
            is_default_input=d["index"] == default_in,
            is_default_output=d["index"] == default_out,
        )
        for d in raw
    ]


def pick_device(name_substring: str, kind: Kind) -> int | None:
    """The index of the first ``kind`` device whose name contains ``name_substring`` (any case);
    None for an empty name, meaning the system default."""
    wanted = name_substring.strip().lower()
    if not wanted:
        return None
    candidates = [d for d in list_devices() if (d.inputs if kind == "input" else d.outputs) > 0]
    if not candidates:
        raise no_device_error(kind, "PortAudio lists no devices")
    for device in candidates:
        if wanted in device.name.lower():
            return device.index
    names = ", ".join(repr(d.name) for d in candidates)
    role = "microphone" if kind == "input" else "speaker"
    raise AudioError(
        f"No {role} named {name_substring!r} was found (available: {names}); "
        f"set audio.{kind}_device to one of them or leave it empty for the system default."
    )


def audio_error(err: Exception, kind: Kind, device: str = "") -> AudioError:
    """One sentence for a PortAudio failure while opening or querying a ``kind`` device."""
    detail = str(err).strip() or type(err).__name__
    if "device -1" in detail or "no default" in detail.lower() or "Invalid device" in detail:
        return no_device_error(kind, f"PortAudio: {detail}")
    role = "microphone" if kind == "input" else "speaker"
    which = f" {device!r}" if device else ""
    return AudioError(
        f"Cannot open the {role}{which} (PortAudio: {detail}); check that it is connected and not held "
        "by another program, or run `pam devices` to pick another."
    )


def no_device_error(kind: Kind, detail: str) -> AudioError:
    return AudioError(
        f"No audio server or sound device was found ({detail}); {_NO_DEVICE[kind]}, then run `pam devices`."
    )
