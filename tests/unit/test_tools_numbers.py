"""Numbers as people say them (pam/tools/numbers.py)."""

from __future__ import annotations

import pytest

from pam.tools.numbers import digits, find_amount, find_clock, find_duration


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        ("forty two", "42"),
        ("forty-two", "42"),
        ("a hundred and twenty", "120"),
        ("one thousand two hundred", "1200"),
        ("eighteen hundred", "1800"),
        ("three point five", "3.5"),
        ("twelve fifty", "12 50"),  # two numbers: dollars and cents, read by find_amount
        ("$1,200", "$1200"),
        ("on 2025-07-04", "on 2025-07-04"),
        ("Add Zion to the trip.", "add zion to the trip"),
    ],
)
def test_digits(spoken: str, written: str) -> None:
    assert digits(spoken) == written


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("i spent forty dollars on gas", 40.0),
        ("log twelve fifty for lunch", 12.5),
        ("$12.50 for groceries", 12.5),
        ("nine dollars and seventy five cents", 9.75),
        ("eighteen bucks", 18.0),
        ("nineteen ninety nine", 19.99),
        ("fifty cents", 0.5),
        ("spent 28", 28.0),
    ],
)
def test_amounts(text: str, amount: float) -> None:
    found = find_amount(digits(text))
    assert found is not None and found.value == pytest.approx(amount)


def test_bare_numbers_are_money_only_when_allowed() -> None:
    assert find_amount(digits("campsite twenty eight"), bare=False) is None
    assert find_amount("add a stop on 2025-07-04") is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("half an hour", 1800),
        ("an hour and a half", 5400),
        ("two and a half hours", 9000),
        ("two hours", 7200),
        ("90 seconds", 90),
        ("a quarter of an hour", 900),
        ("1 hour and 15 minutes", 4500),
        ("ten mins", 600),
        ("a couple of minutes", 120),
    ],
)
def test_durations(text: str, seconds: int) -> None:
    found = find_duration(digits(text))
    assert found is not None and found.value == seconds


def test_no_duration_without_a_unit() -> None:
    assert find_duration(digits("set a timer for ten")) is None


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("remind me at 5 pm", "17:00"),
        ("at five p.m.", "17:00"),
        ("at 7:30 am", "07:30"),
        ("at 6:15 pm", "18:15"),
        ("at noon", "12:00"),
        ("at nine", "09:00"),  # 7–11 without am/pm: morning
        ("at three", "15:00"),  # 1–6 without am/pm: afternoon
        ("by eleven am", "11:00"),
        ("at 12 am", "00:00"),
    ],
)
def test_clock_times(text: str, clock: str) -> None:
    found = find_clock(digits(text))
    assert found is not None and found[0] == clock


def test_clock_needs_a_time() -> None:
    assert find_clock(digits("meet at site 42")) is None
    assert find_clock(digits("by eleven")) is None  # "by" alone is too vague
