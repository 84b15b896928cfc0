"""Every tool PAM has, in one registry (the order is the order models see them in)."""

from __future__ import annotations

from pam.tools import budget, control, notes, timers, trips, weather
from pam.tools.registry import Registry


def default_registry() -> Registry:
    return Registry((*budget.TOOLS, *trips.TOOLS, *timers.TOOLS, *notes.TOOLS, *weather.TOOLS, *control.TOOLS))
