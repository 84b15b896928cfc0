"""Budget, trips, timers, notes and conversation control against a real SQLite store."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pam import paths
from pam.config import ToolsConfig
from pam.store.db import Store
from pam.tools import geo, timers
from pam.tools.catalog import default_registry
from pam.tools.registry import Registry, ToolContext

NOW = datetime(2025, 7, 10, 9, 0, tzinfo=ZoneInfo("America/Denver"))


class Pam:
    """The registry over one database file, with a clock the test moves and a restart()."""

    def __init__(self, path: Path, config: ToolsConfig) -> None:
        self.path, self.config, self.now = path, config, NOW
        self.registry: Registry = default_registry()
        self.store = Store(path)

    @property
    def ctx(self) -> ToolContext:
        return ToolContext(self.store, self.config, lambda: self.now)

    def __call__(self, tool: str, **arguments: Any) -> dict[str, Any]:
        return self.registry.call(tool, arguments, self.ctx)

    def restart(self) -> None:
        self.store.close()
        self.registry.close()
        self.registry = default_registry()
        self.store = Store(self.path)

    def close(self) -> None:
        self.registry.close()
        self.store.close()


@pytest.fixture
def pam(tmp_path: Path) -> Iterator[Pam]:
    p = Pam(tmp_path / "pam.sqlite3", ToolsConfig(monthly_budget=1500.0, home="Moab, UT"))
    yield p
    p.close()


# --- budget


def test_expenses_add_up_by_category_and_survive_a_restart(pam: Pam) -> None:
    assert pam("add_expense", amount=40, category="gas")["reply"] == "Logged $40 for fuel."
    assert pam("add_expense", amount=12.5, category="dining", date="yesterday")["reply"] == (
        "Logged $12.50 for dining yesterday."
    )
    assert pam("add_expense", amount="35", category="camping")["ok"]  # a model's string number is fine
    pam.restart()
    month = pam("spending")
    assert month["total"] == 87.5
    assert month["by_category"] == {"fuel": 40.0, "camping": 35.0, "dining": 12.5}
    assert pam("spending", period="today", category="fuel")["total"] == 40.0
    assert pam("spending", period="yesterday")["total"] == 12.5
    assert pam("spending", period="last_month")["reply"] == "You haven't logged any spending last month."


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        ({"amount": -5}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": "forty"}, "amount"),
        ({"amount": 10, "category": "spaceships"}, "category"),
        ({"amount": 10, "date": "someday"}, "date"),
        ({"amount": 10, "date": "2025-07-11"}, "future"),
        ({"amount": 10_000_000}, "amount"),
    ],
)
def test_bad_expenses_are_refused(pam: Pam, arguments: dict[str, Any], fragment: str) -> None:
    result = pam("add_expense", **arguments)
    assert result["ok"] is False and fragment in result["error"]
    assert pam("spending")["total"] == 0


def test_budget_left_and_undo(pam: Pam) -> None:
    pam("add_expense", amount=100, category="fuel")
    pam("add_expense", amount=400, category="repairs")
    status = pam("budget_status")
    assert (status["budget"], status["spent"], status["remaining"], status["days_left"]) == (1500.0, 500.0, 1000.0, 22)
    assert pam("undo_expense")["reply"] == "Removed $400 for repairs."
    pam.restart()
    assert pam("budget_status")["remaining"] == 1400.0
    assert pam("set_budget", amount=1000)["ok"]
    pam("add_expense", amount=1000, category="repairs")
    assert pam("budget_status")["reply"] == "You're $100 over your $1,000 budget this month."
    pam("undo_expense")
    pam("undo_expense")
    assert pam("undo_expense") == {"ok": False, "error": "There is no expense to undo."}
    assert pam("set_budget", amount=-1)["ok"] is False


def test_no_budget_set(tmp_path: Path) -> None:
    p = Pam(tmp_path / "b.sqlite3", ToolsConfig())
    try:
        assert p("budget_status")["reply"] == "You've spent $0 this month and haven't set a monthly budget."
    finally:
        p.close()


# --- trips


def test_route_between_towns_uses_offline_geodata(pam: Pam) -> None:
    result = pam("route", origin="Moab, Utah", destination="Denver")
    assert (result["origin"], result["destination"]) == ("Moab, UT", "Denver, CO")
    # great circle ≈ 414 km; × 1.25 road factor; 80 km/h
    assert result["straight_km"] == pytest.approx(414, abs=5)
    assert result["road_km"] == pytest.approx(result["straight_km"] * 1.25, abs=0.2)
    assert result["drive_hours"] == pytest.approx(result["road_km"] / 80, abs=0.01)
    assert result["reply"].startswith("From Moab, UT to Denver, CO is about 320 miles by road")


def test_route_defaults_to_home_and_knows_states(pam: Pam) -> None:
    assert pam("route", destination="Portland Maine")["destination"] == "Portland, ME"
    assert pam("route", destination="Portland")["destination"] == "Portland, OR"
    assert pam("route", destination="St. George, UT")["destination"] == "Saint George, UT"
    assert pam("route", destination="Durango")["destination"] == "Durango, CO"  # North America first


def test_unknown_places_and_missing_origin(pam: Pam, tmp_path: Path) -> None:
    result = pam("route", destination="Narnia")
    assert result == {
        "ok": False,
        "error": "I don't know where Narnia is; try adding the state, like 'Moab, Utah'.",
    }
    assert pam("route", destination="")["ok"] is False
    homeless = Pam(tmp_path / "h.sqlite3", ToolsConfig())
    try:
        assert "Where from?" in homeless("route", destination="Denver")["error"]
    finally:
        homeless.close()


def test_saved_places_are_used_by_name_after_a_restart(pam: Pam) -> None:
    assert pam("save_place", name="base camp", location="Moab, Utah")["reply"] == "Saved base camp (Moab, UT)."
    assert pam("save_place", name="Quartzsite")["reply"] == "Saved Quartzsite."
    pam.restart()
    result = pam("route", origin="Base Camp", destination="quartzsite")
    assert (result["origin"], result["destination"]) == ("base camp", "Quartzsite")
    assert pam("save_place", name="x", location="Narnia")["ok"] is False


def test_trip_stops_upcoming_in_date_order(pam: Pam) -> None:
    assert pam("add_stop", place="Sedona")["reply"] == "Added Sedona, AZ to the trip."
    assert pam("add_stop", place="Durango", date="2025-07-14")["reply"] == "Added Durango, CO to the trip for July 14."
    assert pam("add_stop", place="Flagstaff", date="tomorrow")["ok"]
    assert "has passed" in pam("add_stop", place="Denver", date="2025-07-01")["error"]
    pam.restart()
    listed = pam("list_stops")
    assert [s["name"] for s in listed["stops"]] == ["Flagstaff, AZ", "Durango, CO", "Sedona, AZ"]
    assert listed["reply"] == "Next: Flagstaff, AZ tomorrow, then Durango, CO on July 14, then Sedona, AZ."
    pam.now = NOW + timedelta(days=10)
    assert [s["name"] for s in pam("list_stops")["stops"]] == ["Sedona, AZ"]


# --- timers and reminders


def test_timer_set_before_a_restart_is_due_after_it(pam: Pam) -> None:
    assert pam("set_timer", seconds=600, label="pasta")["reply"] == "Pasta timer set for 10 minutes."
    assert timers.due(pam.store, NOW + timedelta(minutes=9)) == []
    pam.restart()
    fired = timers.due(pam.store, NOW + timedelta(minutes=10, seconds=1))
    assert [r.announcement for r in fired] == ["Your pasta timer is done."]
    assert timers.due(pam.store, NOW + timedelta(minutes=11)) == []  # each fires once
    pam.restart()
    assert timers.due(pam.store, NOW + timedelta(hours=1)) == []


def test_reminders_at_a_time_and_after_a_while(pam: Pam) -> None:
    at = pam("set_reminder", text="call the campground", at="17:00")
    assert at["reply"] == "I'll remind you to call the campground at 5:00 PM."
    early = pam("set_reminder", text="to book the ferry", at="08:00")  # 08:00 has passed: tomorrow
    assert early["reply"] == "I'll remind you to book the ferry at 8:00 AM tomorrow."
    later = pam("set_reminder", text="dump the tanks", in_seconds=7200)
    assert later["reply"] == "I'll remind you to dump the tanks in 2 hours."
    assert pam("set_reminder", text="x", at="tomorrow 09:30")["ok"]
    listed = pam("list_timers")
    assert [i["label"] for i in listed["items"]] == ["dump the tanks", "call the campground", "book the ferry", "x"]
    pam.restart()
    fired = timers.due(pam.store, NOW + timedelta(hours=9))
    assert [r.announcement for r in fired] == ["Reminder: dump the tanks.", "Reminder: call the campground."]


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("set_timer", {"seconds": 0}),
        ("set_timer", {"seconds": -30}),
        ("set_timer", {"seconds": 10 * 24 * 3600}),
        ("set_timer", {"seconds": "soon"}),
        ("set_reminder", {"text": "x"}),
        ("set_reminder", {"text": "x", "in_seconds": 60, "at": "17:00"}),
        ("set_reminder", {"text": "x", "at": "25:00"}),
        ("set_reminder", {"text": "x", "at": "teatime"}),
        ("set_reminder", {"text": "x", "in_seconds": 5 * 365 * 24 * 3600}),
        ("set_reminder", {"text": "", "in_seconds": 60}),
        ("set_reminder", {"text": "x", "at": "2020-01-01T10:00"}),
    ],
)
def test_absurd_timers_are_refused(pam: Pam, tool: str, arguments: dict[str, Any]) -> None:
    result = pam(tool, **arguments)
    assert result["ok"] is False and result["error"].endswith(".")
    assert pam("list_timers")["items"] == []


def test_cancel_by_label_the_only_one_or_all(pam: Pam) -> None:
    assert pam("cancel_timer")["error"] == "There are no timers or reminders to cancel."
    pam("set_timer", seconds=60)
    assert pam("cancel_timer")["reply"] == "Cancelled the timer."
    pam("set_timer", seconds=600, label="pasta")
    pam("set_timer", seconds=300, label="eggs")
    pam("set_reminder", text="close the awning", in_seconds=3600)
    assert "say which one" in pam("cancel_timer")["error"]
    assert pam("cancel_timer", label="Pasta")["reply"] == "Cancelled the pasta timer."
    assert "can't find" in pam("cancel_timer", label="laundry")["error"]
    pam.restart()
    assert pam("cancel_timer", all=True)["reply"] == "Cancelled everything."
    assert pam("list_timers")["reply"] == "You have no timers or reminders."
    assert timers.due(pam.store, NOW + timedelta(days=1)) == []


# --- notes and control


def test_notes_are_remembered_and_found(pam: Pam) -> None:
    assert pam("add_note", text="the water pump fuse is under the step")["reply"] == (
        "Noted: the water pump fuse is under the step."
    )
    pam("add_note", text="Site 42 has the good hookup.")
    pam.restart()
    found = pam("find_notes", query="where is the water pump fuse")
    assert found["reply"] == "The water pump fuse is under the step."
    assert pam("find_notes", query="hookups")["notes"][0]["text"] == "Site 42 has the good hookup"
    assert pam("find_notes", query="propane tank")["reply"] == "I don't have a note about propane tank."
    assert len(pam("find_notes")["notes"]) == 2
    assert pam("add_note", text="")["ok"] is False
    assert pam("find_notes", limit=0)["ok"] is False


@pytest.mark.parametrize("action", ["stop", "repeat", "louder", "softer", "offline", "online"])
def test_control_actions_are_returned_for_the_controller(pam: Pam, action: str) -> None:
    result = pam("conversation_control", action=action)
    assert result["ok"] and result["control"] == action


def test_unknown_control_action(pam: Pam) -> None:
    assert pam("conversation_control", action="dance")["ok"] is False


def test_config_currency_is_used(tmp_path: Path) -> None:
    p = Pam(tmp_path / "c.sqlite3", ToolsConfig(currency="EUR"))
    try:
        assert p("add_expense", amount=9.5, category="food")["reply"] == "Logged €9.50 for groceries."
    finally:
        p.close()


def test_shipped_geodata_keys_match_the_key_function() -> None:
    """cities.csv.gz precomputes geo.key(name); a changed key() needs the file rebuilt."""
    with gzip.open(paths.project_root() / "resources" / "geodata" / "cities.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 50_000
    assert all(geo.key(r["name"]) == r["key"] for r in rows[::50])
