"""A private PulseAudio daemon with virtual devices, for tests and benchmarks on machines with no sound card.

The devices stand in for a room: ``virtual_mic`` (the default source) hears whatever is played
into the null sink ``mic_feed``; PAM plays to the null sink ``speaker`` whose monitor can be
recorded. ``loopback(True)`` routes the speaker back into the room so PAM hears itself. Both
sinks run at 16 kHz mono s16le, so audio passes through unresampled and recordings are exact.

The daemon runs as the current user (root on CI) with its own HOME, runtime dir and socket in a
temp dir; it is stopped by the PID saved at start, never by name.
"""

from __future__ import annotations

import bisect
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

import numpy as np

from pam.audio.convert import resample
from pam.audio.devices import rescan
from pam.audio.files import write_wav
from pam.engines.base import Int16Audio
from pam.engines.canned import espeak

RATE = 16_000
_SAMPLE_SPEC = f"rate={RATE} channels=1 format=s16le"


def available() -> bool:
    """True when the ``pulseaudio`` daemon and its command line clients are installed."""
    return all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "pacat", "paplay", "parec"))


def end_process(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Stop a child we started, by its own handle (never by name)."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spoken(text: str, voice: str = "en-us") -> Int16Audio:
    """``text`` said by espeak-ng at the virtual devices' rate: a stand-in user for tests and benches."""
    samples, rate = espeak(text, voice=voice)
    return resample(samples, rate, RATE)


class Recording:
    """A ``parec`` capture of ``source``; ``stop()`` returns the samples. Each chunk's arrival
    time is kept, so ``arrived_by(i)`` maps sample ``i`` to the wall clock."""

    def __init__(self, env: dict[str, str], source: str = "speaker.monitor") -> None:
        self._proc = subprocess.Popen(
            ["parec", "-d", source, "--raw", "--format=s16le", f"--rate={RATE}",
             "--channels=1", "--latency-msec=10"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        self._data = bytearray()
        self._arrivals: list[tuple[int, float]] = []  # (samples received so far, time.monotonic())
        self._thread = threading.Thread(target=self._read, name="pam-parec", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        while chunk := os.read(fd, 65536):
            self._data += chunk
            self._arrivals.append((len(self._data) // 2, time.monotonic()))

    def arrived_by(self, index: int) -> float:
        """``time.monotonic()`` when sample ``index`` had been received (an upper bound on when
        it left the speaker, late by at most parec's 10 ms latency)."""
        i = bisect.bisect_right(self._arrivals, index, key=lambda a: a[0])
        if i == len(self._arrivals):
            raise IndexError(f"sample {index} was not recorded")
        return self._arrivals[i][1]

    def stop(self) -> Int16Audio:
        end_process(self._proc, signal.SIGINT)
        self._thread.join()
        return np.frombuffer(bytes(self._data[: len(self._data) // 2 * 2]), dtype=np.int16)


class PrivatePulse:
    """Start with ``start()`` (or ``with``), which also makes it this process's audio server
    (``PULSE_SERVER``, inherited by children; ``stop()`` undoes that). ``env`` is a copy of the
    environment that points at it, for child processes started with an explicit env."""

    def __init__(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="pam-pulse-"))
        self.socket = self._dir / "native"
        self.server = f"unix:{self.socket}"
        self.env = {**os.environ, "PULSE_SERVER": self.server}
        self._proc: subprocess.Popen[bytes] | None = None
        self._loopback_module: str | None = None
        self._counter = 0
        self._previous_server: str | None = None
        self._keepers: list[subprocess.Popen[bytes]] = []

    def start(self, timeout_s: float = 20.0) -> None:
        home = self._dir / "home"
        config = home / ".config" / "pulse"
        config.mkdir(parents=True)
        (config / "daemon.conf").write_text("enable-memfd = no\n")
        script = self._dir / "pam.pa"
        script.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name=speaker {_SAMPLE_SPEC}\n"
            f"load-module module-null-sink sink_name=mic_feed {_SAMPLE_SPEC}\n"
            "load-module module-remap-source source_name=virtual_mic master=mic_feed.monitor\n"
            "set-default-sink speaker\n"
            "set-default-source virtual_mic\n"
        )
        runtime = self._dir / "runtime"
        runtime.mkdir()
        daemon_env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "PULSE_RUNTIME_PATH": str(runtime),
            "PULSE_STATE_PATH": str(self._dir / "state"),
        }
        daemon_env.pop("PULSE_SERVER", None)
        log_path = self._dir / "daemon.log"
        with log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                ["pulseaudio", "-n", "--daemonize=no", "--system=false", "--exit-idle-time=-1",
                 "--disallow-exit", "--realtime=no", "--use-pid-file=false", "--log-target=stderr",
                 "-F", str(script)],
                env=daemon_env, stdout=subprocess.DEVNULL, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + timeout_s
        while not self._answers():
            if self._proc.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"private PulseAudio did not start; its log ends with:\n{log_tail}")
            time.sleep(0.1)
        self._keepers = [self._keep_awake(sink) for sink in ("speaker", "mic_feed")]
        self._previous_server = os.environ.get("PULSE_SERVER")
        os.environ["PULSE_SERVER"] = self.server
        if "sounddevice" in sys.modules:
            rescan()

    def _keep_awake(self, sink: str) -> subprocess.Popen[bytes]:
        """Play endless silence into ``sink`` at low latency. An idle null sink sleeps for up to
        2 s, so without this every new stream stalls that long before its first block; a real
        sound card keeps its clock running."""
        with open("/dev/zero", "rb") as zeros:
            return subprocess.Popen(
                ["pacat", "--playback", "-d", sink, "--raw", "--format=s16le", f"--rate={RATE}",
                 "--channels=1", "--latency-msec=20"],
                stdin=zeros, stderr=subprocess.DEVNULL, env=self.env,
            )  # fmt: skip

    def _answers(self) -> bool:
        result = subprocess.run(["pactl", "info"], env=self.env, capture_output=True, timeout=10)
        return result.returncode == 0

    def pactl(self, *args: str) -> str:
        result = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10)
        if result.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def feed(self, audio: str | Path | Int16Audio, sink: str = "mic_feed") -> subprocess.Popen[bytes]:
        """Play a sound file or 16 kHz samples into the room (``mic_feed``, or ``speaker`` to be
        heard through the loopback like PAM's own voice) now; returns the running ``paplay``
        (``wait()`` on it to know the sound is over). It keeps 100 ms queued: with 10 ms, one
        late wake-up of ``paplay`` made the server play a gap of silence into the clip, about one
        run in eight even on an idle machine; timings are read on the sample clock, not from here."""
        if isinstance(audio, np.ndarray):
            self._counter += 1
            path = self._dir / f"feed-{self._counter}.wav"
            write_wav(path, audio, RATE)
            audio = path
        return subprocess.Popen(
            ["paplay", "-d", sink, "--latency-msec=100", str(audio)], env=self.env,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def record_speaker(self) -> Recording:
        """Start recording what PAM plays; ``stop()`` on the result returns the samples."""
        return Recording(self.env)

    def record_mic(self) -> Recording:
        """Start recording what the virtual microphone hears, as PAM's capture stream does."""
        return Recording(self.env, "virtual_mic")

    def loopback(self, on: bool, gain_db: float = 0.0) -> None:
        """Make the room echo: what PAM plays is heard by the virtual mic ``gain_db`` louder or
        quieter (round trip ~110 ms). The path's 60 ms buffer keeps it from stuttering when the
        machine is busy: a stuttering echo path is a moving target for the echo canceller."""
        if on and self._loopback_module is None:
            self._loopback_module = self.pactl(
                "load-module", "module-loopback", "source=speaker.monitor", "sink=mic_feed", "latency_msec=60"
            )
            if gain_db:
                # PulseAudio volumes are cubic: amplitude = (percent / 100) ** 3
                percent = 100 * (10 ** (gain_db / 20)) ** (1 / 3)
                for line in self.pactl("list", "short", "sink-inputs").splitlines():
                    fields = line.split()
                    if len(fields) > 2 and fields[2] == self._loopback_module:
                        self.pactl("set-sink-input-volume", fields[0], f"{percent:.1f}%")
        elif not on and self._loopback_module is not None:
            self.pactl("unload-module", self._loopback_module)
            self._loopback_module = None

    def stop(self) -> None:
        for keeper in self._keepers:
            end_process(keeper)
        self._keepers = []
        if self._proc is not None:
            end_process(self._proc)
        self._proc = None
        if os.environ.get("PULSE_SERVER") == self.server:
            if self._previous_server is None:
                os.environ.pop("PULSE_SERVER")
            else:
                os.environ["PULSE_SERVER"] = self._previous_server
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> PrivatePulse:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
