"""Where the API key comes from, and that no log record can carry it."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail

from pam import secrets
from pam.errors import ConfigError

KEY = "sk-proj-UNITtestKEY0123456789abcdefXYZ"


def test_the_environment_wins_and_is_trimmed() -> None:
    assert secrets.api_key({"OPENAI_API_KEY": f"  {KEY}\n"}, use_keyring=False) == KEY


def test_no_key_anywhere_is_none() -> None:
    assert secrets.api_key({}, use_keyring=False) is None
    assert secrets.api_key({"OPENAI_API_KEY": "   "}, use_keyring=False) is None


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """keyring's own "fail" backend (what a headless machine gets), never the developer's real keyring."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def test_a_missing_desktop_keyring_means_no_key_not_a_crash(no_keyring: None) -> None:
    assert secrets.api_key({}) is None


def test_storing_without_a_keyring_is_one_clear_sentence(no_keyring: None) -> None:
    with pytest.raises(ConfigError, match=r"No desktop keyring is available.*OPENAI_API_KEY"):
        secrets.store_api_key(KEY)
    with pytest.raises(ConfigError, match="empty"):
        secrets.store_api_key("  ")


def test_redact_blanks_key_shapes_and_loaded_keys() -> None:
    assert KEY not in secrets.redact(f"Authorization: Bearer {KEY}")
    assert secrets.redact("sk-8 is a ski slope") == "sk-8 is a ski slope"
    odd = "key-without-the-usual-prefix-1234"
    secrets.api_key({"OPENAI_API_KEY": odd}, use_keyring=False)
    assert odd not in secrets.redact(f"using {odd}")


def test_every_log_record_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    secrets.api_key({"OPENAI_API_KEY": KEY}, use_keyring=False)  # loading a key installs the redactor
    other = logging.getLogger("some.library")
    with caplog.at_level(logging.DEBUG):
        other.debug("> Authorization: Bearer %s", KEY)
        logging.getLogger("pam.x").info({"key": KEY})
        try:
            raise RuntimeError(f"Incorrect API key provided: {KEY}")
        except RuntimeError:
            other.exception("connect failed")
    assert KEY not in caplog.text
    assert all(KEY not in r.getMessage() for r in caplog.records)
    assert secrets.REDACTED in caplog.text
    assert "connect failed" in caplog.text and "RuntimeError" in caplog.text
