"""What an online answer cost: token counts from the API's usage report times a versioned price table.

The table is data (``resources/prices.toml``), replaceable entry by entry from a file named in the
config. Everything below ``load_prices`` is pure arithmetic on plain values, so it is tested with
hand-computed numbers.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pam import paths
from pam.errors import ConfigError

PRICES_FILE = paths.project_root() / "resources" / "prices.toml"
PER_TOKENS = 1_000_000


@dataclass(frozen=True)
class ModelPrice:
    """USD per 1M tokens of each kind; ``per_minute`` for models billed by audio duration."""

    text_input: float = 0.0
    cached_text_input: float = 0.0
    text_output: float = 0.0
    audio_input: float = 0.0
    cached_audio_input: float = 0.0
    audio_output: float = 0.0
    per_minute: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class PriceTable:
    version: str
    models: Mapping[str, ModelPrice] = field(default_factory=dict)

    def price(self, model: str) -> ModelPrice:
        """The entry for ``model``, or for the longest listed name it starts with (dated snapshots)."""
        if model in self.models:
            return self.models[model]
        family = max((name for name in self.models if model.startswith(name)), key=len, default=None)
        if family is None:
            raise ConfigError(
                f"PAM has no price for the model '{model}'; add it to a price table and name that file "
                "in [realtime] prices_file."
            )
        return self.models[family]


@dataclass(frozen=True)
class TokenUsage:
    """One billed request, split by price class. Input counts here exclude the cached part."""

    text_input: int = 0
    cached_text_input: int = 0
    audio_input: int = 0
    cached_audio_input: int = 0
    text_output: int = 0
    audio_output: int = 0
    audio_seconds: float = 0.0

    @property
    def input_tokens(self) -> int:
        return self.text_input + self.cached_text_input + self.audio_input + self.cached_audio_input

    @property
    def output_tokens(self) -> int:
        return self.text_output + self.audio_output

    def as_dict(self) -> dict[str, int]:
        """The counts for the usage ledger, with the input/output totals it stores in columns."""
        counts = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "audio_seconds"}
        return {**counts, "input_tokens": self.input_tokens, "output_tokens": self.output_tokens}


def _count(data: Mapping[str, Any] | None, key: str) -> int:
    """A token count from the server's JSON; anything missing or not a non-negative int counts 0."""
    if not isinstance(data, Mapping):
        return 0
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _count_or(data: Mapping[str, Any] | None, key: str, missing: int) -> int:
    """Like ``_count``, but ``missing`` when the server left the key out altogether."""
    return _count(data, key) if isinstance(data, Mapping) and key in data else missing


def response_usage(usage: Mapping[str, Any]) -> TokenUsage:
    """Split a Realtime ``response.done`` usage object into price classes.

    Cached tokens are a subset of the input tokens. When the server leaves out a breakdown, the
    unexplained tokens are priced as audio, the dearer class, so the estimate errs high."""
    details = usage.get("input_token_details")
    details = details if isinstance(details, Mapping) else {}
    total_in = _count(usage, "input_tokens")
    text_in = _count(details, "text_tokens")
    audio_in = _count_or(details, "audio_tokens", max(total_in - text_in, 0))
    cached = _count(details, "cached_tokens")
    cached_details = details.get("cached_tokens_details")
    if isinstance(cached_details, Mapping):
        cached_text = min(_count(cached_details, "text_tokens"), text_in)
        cached_audio = min(_count(cached_details, "audio_tokens"), audio_in)
    else:
        cached_text = min(cached, text_in)
        cached_audio = min(cached - cached_text, audio_in)

    out_details = usage.get("output_token_details")
    total_out = _count(usage, "output_tokens")
    text_out = _count(out_details, "text_tokens")
    audio_out = _count_or(out_details, "audio_tokens", max(total_out - text_out, 0))
    return TokenUsage(
        text_input=text_in - cached_text,
        cached_text_input=cached_text,
        audio_input=audio_in - cached_audio,
        cached_audio_input=cached_audio,
        text_output=text_out,
        audio_output=audio_out,
    )


def transcription_usage(usage: Mapping[str, Any]) -> TokenUsage:
    """Usage of input transcription: tokens (``{"type": "tokens", ...}``) or audio duration."""
    if usage.get("type") == "duration":
        seconds = usage.get("seconds")
        valid = isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0
        return TokenUsage(audio_seconds=float(seconds) if valid and seconds is not None else 0.0)
    details = usage.get("input_token_details")
    text_in = _count(details, "text_tokens")
    audio_in = _count_or(details, "audio_tokens", max(_count(usage, "input_tokens") - text_in, 0))
    return TokenUsage(text_input=text_in, audio_input=audio_in, text_output=_count(usage, "output_tokens"))


def cost_usd(usage: TokenUsage, price: ModelPrice) -> float:
    tokens = (
        usage.text_input * price.text_input
        + usage.cached_text_input * price.cached_text_input
        + usage.audio_input * price.audio_input
        + usage.cached_audio_input * price.cached_audio_input
        + usage.text_output * price.text_output
        + usage.audio_output * price.audio_output
    )
    return tokens / PER_TOKENS + usage.audio_seconds / 60.0 * price.per_minute


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text_input: float = Field(0.0, ge=0.0)
    cached_text_input: float = Field(0.0, ge=0.0)
    text_output: float = Field(0.0, ge=0.0)
    audio_input: float = Field(0.0, ge=0.0)
    cached_audio_input: float = Field(0.0, ge=0.0)
    audio_output: float = Field(0.0, ge=0.0)
    per_minute: float = Field(0.0, ge=0.0)
    source: str = ""


def parse_prices(data: Mapping[str, Any], source: str = "the price table") -> PriceTable:
    version = data.get("version")
    models = data.get("models", {})
    if not isinstance(version, str) or not version or not isinstance(models, Mapping):
        raise ConfigError(f"{source} needs a `version` string and a [models.NAME] table per model; fix it.")
    parsed = {}
    for name, entry in models.items():
        try:
            parsed[name] = ModelPrice(**_Entry.model_validate(entry).model_dump())
        except ValidationError as err:
            first = err.errors()[0]
            key = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"In {source}, the price of '{name}' is not valid ({key}: {first['msg'].lower()}); fix that entry."
            ) from err
    return PriceTable(version=version, models=parsed)


def _read_table(path: Path) -> PriceTable:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"Cannot read the price table {path} ({err.strerror}); fix [realtime] prices_file.") from err
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"The price table {path} is not valid TOML ({err}); fix it.") from err
    return parse_prices(data, str(path))


def merge(base: PriceTable, override: PriceTable) -> PriceTable:
    return PriceTable(version=f"{base.version}+{override.version}", models={**base.models, **override.models})


def load_prices(override_file: str = "", base_file: Path = PRICES_FILE) -> PriceTable:
    """The shipped table, with the entries of ``override_file`` (if any) replacing it model by model."""
    table = _read_table(base_file)
    return merge(table, _read_table(Path(override_file).expanduser())) if override_file else table
