"""PAM's settings: TOML in the XDG config dir, defaults written on first run, env overrides.

Every key lives in a section (``[audio] input_device = "USB"``). An environment variable
``PAM_<SECTION>_<KEY>`` (e.g. ``PAM_AUDIO_INPUT_DEVICE``) overrides the file, so tests and
one-off runs need no file edits.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pam import paths
from pam.errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AudioConfig(_Section):
    input_device: str = Field("", description="substring of the microphone's name; empty = system default")
    output_device: str = Field("", description="substring of the speaker's name; empty = system default")
    block_ms: Literal[10, 20, 30] = 20
    ring_seconds: float = Field(8.0, ge=1.0, le=120.0)
    output_latency_ms: int = Field(
        60, ge=10, le=500, description="speaker buffer: smaller stops faster on barge-in, larger survives CPU load"
    )
    echo_cancellation: bool = False
    output_gain: float = Field(1.0, ge=0.0, le=4.0)


class ListenConfig(_Section):
    vad_aggressiveness: Literal[0, 1, 2, 3] = 3
    speech_start_ms: int = Field(60, ge=20, le=1000, description="voiced audio needed to start speech")
    barge_in_ms: int = Field(
        100, ge=20, le=1000, description="voiced audio needed to start speech while PAM's voice may be in the mic"
    )
    speculate_ms: int = Field(160, ge=0, le=5000, description="silence before speculative work starts")
    commit_ms: int = Field(480, ge=100, le=5000, description="silence that ends the utterance")
    preroll_ms: int = Field(300, ge=0, le=2000)
    max_utterance_s: float = Field(20.0, ge=1.0, le=120.0)


class WakeConfig(_Section):
    enabled: bool = True
    model: str = Field("hey_jarvis", description="a model name from models/manifest.toml or a path to .onnx")
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    verify: bool = Field(
        False, description="confirm each detection with the speech model: fewer false wakes, ~0.1 s later, more misses"
    )


class ConversationConfig(_Section):
    follow_up_s: float = Field(4.0, ge=0.0, le=60.0, description="listen without wake word after a reply")
    no_speech_timeout_s: float = Field(6.0, ge=1.0, le=60.0)
    barge_in_grace_ms: int = Field(
        300, ge=0, le=3000, description="speech this soon after PAM starts answering does not interrupt it"
    )
    chime: bool = True


class EngineConfig(_Section):
    mode: Literal["canned", "local", "auto", "online"] = Field(
        "local", description="local: offline; auto: OpenAI Realtime when a key works, else local; online; canned"
    )


class LocalConfig(_Section):
    """The offline engine (faster-whisper → llama.cpp → Piper)."""

    stt_model: str = Field("stt_tiny_en", description="Whisper model name from models/manifest.toml")
    stt_beam_size: int = Field(5, ge=1, le=10, description="beam search width; 1 = greedy, a little faster")
    stt_vocabulary: str = Field("", description="words that steer speech recognition; empty = PAM's RV list")
    stt_threads: int = Field(0, ge=0, le=64, description="CPU threads for speech recognition; 0 = all cores")
    llm_model: str = Field("llm_qwen05", description="GGUF model name from models/manifest.toml")
    llm_threads: int = Field(0, ge=0, le=64, description="CPU threads for the language model; 0 = all cores")
    llm_context: int = Field(2048, ge=512, le=32768, description="tokens of context per conversation slot")
    max_tokens: int = Field(96, ge=8, le=2048, description="longest spoken answer, in tokens")
    history_tokens: int = Field(512, ge=0, le=16384, description="conversation history kept for context")
    temperature: float = Field(0.3, ge=0.0, le=2.0)
    voice: str = Field("tts_joe", description="Piper voice name from models/manifest.toml")
    fallback_voice: str = Field("en-us", description="espeak-ng voice used when the Piper voice fails")
    length_scale: float = Field(1.0, ge=0.5, le=2.0, description="speaking pace: below 1 faster, above 1 slower")
    first_clause_chars: int = Field(12, ge=1, le=200, description="shortest first clause cut at a comma")
    clause_chars: int = Field(40, ge=1, le=400, description="shortest later clause cut at a comma")


class RealtimeConfig(_Section):
    """The online engine (OpenAI Realtime). The API key is never here: see ``pam/secrets.py``."""

    model: str = Field(default="gpt-realtime", description="OpenAI Realtime model")
    voice: str = Field(default="marin", description="voice of the answers (marin, cedar, alloy, ash, coral, ...)")
    base_url: str = Field(default="", description="API base URL; empty = the SDK default or OPENAI_BASE_URL")
    transcription_model: str = Field(
        default="gpt-4o-mini-transcribe", description="transcribes the user's words for the history; empty = off"
    )
    max_output_tokens: int = Field(default=2048, ge=1, le=32768, description="caps the length (and cost) of one answer")
    connect_timeout_s: float = Field(default=5.0, gt=0.0, le=60.0)
    retry_initial_s: float = Field(default=2.0, gt=0.0, le=600.0, description="first wait before retrying online")
    retry_max_s: float = Field(default=300.0, gt=0.0, le=3600.0, description="longest wait between online retries")
    prices_file: str = Field(default="", description="TOML price table whose entries replace resources/prices.toml's")


class ToolsConfig(_Section):
    """PAM's tools and the traveller's data."""

    monthly_budget: float = Field(default=0.0, ge=0.0, description="spending budget per month; 0 = none set")
    currency: str = Field(default="USD", min_length=3, max_length=3, description="ISO code amounts are kept in")
    home: str = Field(default="", description="home base, e.g. 'Moab, UT': default start of routes and weather")
    units: Literal["imperial", "metric"] = "imperial"
    road_factor: float = Field(default=1.25, ge=1.0, le=3.0, description="road distance / great-circle distance")
    average_speed_kmh: float = Field(default=80.0, ge=10.0, le=150.0, description="RV speed for drive times")
    weather_url: str = Field(default="https://api.open-meteo.com/v1/forecast", description="Open-Meteo forecast API")
    weather_timeout_s: float = Field(default=4.0, gt=0.0, le=8.0)


class UiConfig(_Section):
    """The tray app."""

    hotkey: str = Field("Ctrl+Alt+Space", description="global push-to-talk key (X11 only); empty = none")
    start_on_login: bool = Field(False, description="start PAM in the tray when you log in")
    show_overlay: bool = Field(False, description="show the debug overlay (live latencies) at start")
    notifications: bool = Field(True, description="show PAM's messages as desktop notifications")


class StoreConfig(_Section):
    path: str = Field("", description="SQLite file; empty = pam.sqlite3 in the XDG data dir")


class Config(_Section):
    audio: AudioConfig = AudioConfig()
    listen: ListenConfig = ListenConfig()
    wake: WakeConfig = WakeConfig()
    conversation: ConversationConfig = ConversationConfig()
    engine: EngineConfig = EngineConfig()
    local: LocalConfig = LocalConfig()
    realtime: RealtimeConfig = RealtimeConfig()
    tools: ToolsConfig = ToolsConfig()
    ui: UiConfig = UiConfig()
    store: StoreConfig = StoreConfig()

    def db_path(self) -> Path:
        return Path(self.store.path) if self.store.path else paths.data_dir() / "pam.sqlite3"


def _env_overrides(environ: dict[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for section, field in Config.model_fields.items():
        model = field.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        for key in model.model_fields:
            value = environ.get(f"PAM_{section}_{key}".upper())
            if value is not None:
                out.setdefault(section, {})[key] = _parse_env_value(value)
    return out


def _parse_env_value(text: str) -> Any:
    """Env values are TOML literals when they parse as one (``3``, ``true``), else plain strings."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _describe(err: ValidationError, source: str) -> str:
    first = err.errors()[0]
    key = ".".join(str(p) for p in first["loc"])
    allowed = first.get("ctx", {}).get("expected")
    hint = f"allowed: {allowed}" if allowed else first["msg"].lower()
    got = first.get("input")
    got_text = "" if isinstance(got, dict) else f" = {got!r}"
    return f"Config error in {source}: {key}{got_text} is not valid ({hint}); fix or delete that line."


def to_toml(config: Config) -> str:
    """Render the config as TOML with a comment per key (values are flat scalars by design)."""
    lines = ["# PAM settings. Delete a line to get its default back.", ""]
    for section in Config.model_fields:
        lines.append(f"[{section}]")
        sub: BaseModel = getattr(config, section)
        for key, info in type(sub).model_fields.items():
            value = getattr(sub, key)
            if info.description:
                lines.append(f"# {info.description}")
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, str):
                escaped = value.replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'{key} = "{escaped}"')
            else:
                lines.append(f"{key} = {value}")
        lines.append("")
    return "\n".join(lines)


def load(path: Path | None = None, environ: dict[str, str] | None = None, write_default: bool = True) -> Config:
    """Read the config file (writing the defaults there on first run) and apply env overrides."""
    path = path or paths.config_file()
    environ = dict(os.environ) if environ is None else environ
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"Config file {path} is not valid TOML ({err}); fix it or delete it.") from err
        except OSError as err:
            raise ConfigError(f"Cannot read config file {path} ({err.strerror}); check its permissions.") from err
    elif write_default:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(to_toml(Config()), encoding="utf-8")
        except OSError:
            pass  # a read-only home still runs on defaults
    try:
        config = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_describe(err, str(path))) from err
    overrides = _env_overrides(environ)
    if not overrides:
        return config
    merged = config.model_dump()
    for section, values in overrides.items():
        merged[section].update(values)
    try:
        return Config.model_validate(merged)
    except ValidationError as err:
        raise ConfigError(_describe(err, "the PAM_* environment variables")) from err
