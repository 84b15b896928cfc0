"""Shared fixtures. ``pulse``: a private PulseAudio daemon with virtual devices (see
pam/audio/testing_pulse.py), started once per session and made this process's audio server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pam.audio import testing_pulse


@pytest.fixture(scope="session")
def pulse() -> Iterator[testing_pulse.PrivatePulse]:
    if not testing_pulse.available():
        pytest.skip("PulseAudio is not installed (Debian: pulseaudio pulseaudio-utils); e2e audio tests need it")
    daemon = testing_pulse.PrivatePulse()
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def qapp() -> object:
    """One offscreen QApplication for widget tests: no display needed, and offscreen Qt reports
    no system tray (which is how the tray's fallback window is tested)."""
    import os

    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["pam-tests"])
