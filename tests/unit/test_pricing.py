"""Cost maths on hand-computed numbers, and the shipped price table."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pam.engines import pricing
from pam.engines.pricing import ModelPrice, PriceTable, TokenUsage
from pam.errors import ConfigError

REALTIME = ModelPrice(
    text_input=4.0, cached_text_input=0.4, text_output=16.0, audio_input=32.0, cached_audio_input=0.4, audio_output=64.0
)

USAGE = {
    "total_tokens": 8300,
    "input_tokens": 6000,
    "output_tokens": 2100,
    "input_token_details": {
        "text_tokens": 1000,
        "audio_tokens": 5000,
        "cached_tokens": 1200,
        "cached_tokens_details": {"text_tokens": 200, "audio_tokens": 1000},
    },
    "output_token_details": {"text_tokens": 100, "audio_tokens": 2000},
}


def test_response_usage_splits_cached_tokens_out_of_the_input() -> None:
    usage = pricing.response_usage(USAGE)
    assert usage == TokenUsage(
        text_input=800,
        cached_text_input=200,
        audio_input=4000,
        cached_audio_input=1000,
        text_output=100,
        audio_output=2000,
    )
    assert usage.input_tokens == 6000
    assert usage.output_tokens == 2100


def test_cost_of_a_known_usage() -> None:
    # 800·4 + 200·0.4 + 4000·32 + 1000·0.4 + 100·16 + 2000·64 = 261 280 µ$ per token-million
    cost = pricing.cost_usd(pricing.response_usage(USAGE), REALTIME)
    assert cost == pytest.approx(0.26128)


def test_cached_tokens_without_a_breakdown_go_to_text_first() -> None:
    usage = pricing.response_usage(
        {
            "input_tokens": 300,
            "output_tokens": 0,
            "input_token_details": {"text_tokens": 100, "audio_tokens": 200, "cached_tokens": 150},
        }
    )
    assert (usage.text_input, usage.cached_text_input, usage.audio_input, usage.cached_audio_input) == (0, 100, 150, 50)


def test_missing_breakdowns_are_priced_as_audio_so_the_estimate_errs_high() -> None:
    usage = pricing.response_usage({"input_tokens": 50, "output_tokens": 70})
    assert usage == TokenUsage(audio_input=50, audio_output=70)


def test_garbage_counts_count_zero() -> None:
    usage = pricing.response_usage(
        {
            "input_tokens": "many",
            "output_tokens": -5,
            "input_token_details": {"text_tokens": True, "audio_tokens": None},
        }
    )
    assert usage == TokenUsage()
    assert pricing.cost_usd(usage, REALTIME) == 0.0


def test_transcription_usage_by_tokens_and_by_duration() -> None:
    tokens = pricing.transcription_usage(
        {"type": "tokens", "input_tokens": 30, "output_tokens": 8, "input_token_details": {"audio_tokens": 30}}
    )
    assert tokens == TokenUsage(audio_input=30, text_output=8)
    mini = ModelPrice(text_input=1.25, audio_input=3.0, text_output=5.0)
    assert pricing.cost_usd(tokens, mini) == pytest.approx((30 * 3.0 + 8 * 5.0) / 1e6)

    duration = pricing.transcription_usage({"type": "duration", "seconds": 90})
    assert pricing.cost_usd(duration, ModelPrice(per_minute=0.006)) == pytest.approx(0.009)


def test_as_dict_carries_the_ledger_totals() -> None:
    counts = TokenUsage(text_input=1, audio_output=2).as_dict()
    assert counts["input_tokens"] == 1
    assert counts["output_tokens"] == 2
    assert "audio_seconds" not in counts


def test_dated_snapshots_use_their_family_price() -> None:
    table = PriceTable("t", {"gpt-realtime": REALTIME, "gpt-realtime-mini": ModelPrice(text_input=0.6)})
    assert table.price("gpt-realtime-2025-08-28") is REALTIME
    assert table.price("gpt-realtime-mini-2025-12-15").text_input == 0.6
    with pytest.raises(ConfigError, match="no price for the model 'o9-voice'"):
        table.price("o9-voice")


def test_the_shipped_table_prices_the_default_models() -> None:
    table = pricing.load_prices()
    assert table.version
    assert replace(table.price("gpt-realtime"), source="") == REALTIME
    assert table.price("gpt-4o-mini-transcribe").audio_input == 3.0


def test_an_override_file_replaces_entries_model_by_model(tmp_path: Path) -> None:
    override = tmp_path / "prices.toml"
    override.write_text('version = "mine"\n[models."gpt-realtime"]\naudio_output = 1.0\n', encoding="utf-8")
    table = pricing.load_prices(str(override))
    assert table.version.endswith("+mine")
    assert table.price("gpt-realtime") == ModelPrice(audio_output=1.0)
    assert table.price("gpt-4o-mini-transcribe").audio_input == 3.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('version = "x"\n[models.a]\naudio_input = -1\n', "price of 'a' is not valid"),
        ('version = "x"\n[models.a]\nsurcharge = 1\n', "price of 'a' is not valid"),
        ("[models.a]\naudio_input = 1\n", "needs a `version`"),
        ("version = ", "not valid TOML"),
    ],
)
def test_a_bad_price_file_is_one_clear_sentence(tmp_path: Path, text: str, message: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        pricing.load_prices(str(bad))


def test_a_missing_price_file_is_one_clear_sentence(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read the price table"):
        pricing.load_prices(str(tmp_path / "nope.toml"))
