import pytest

from pam.engines.local.normalize import normalize_numbers


@pytest.mark.parametrize(
    ("spoken", "normal"),
    [
        ("Add forty dollars for diesel.", "Add 40 dollars for diesel."),
        ("Add $40 for diesel.", "Add 40 dollars for diesel."),
        ("add forty-two dollars", "add 42 dollars"),
        ("add forty two dollars", "add 42 dollars"),
        ("It cost $1,250.50 in total", "It cost 1250.50 dollars in total"),
        ("one hundred and twenty miles", "120 miles"),
        ("a hundred miles", "100 miles"),
        ("a thousand feet", "1000 feet"),
        ("three thousand five hundred pounds", "3500 pounds"),
        ("fifteen hundred watts", "1500 watts"),
        ("two point five gallons", "2.5 gallons"),
        ("the tank is at forty percent", "the tank is at 40 percent"),
        ("the tank is at 40%", "the tank is at 40 percent"),
        ("It's 72°F outside", "It's 72 degrees Fahrenheit outside"),
        ("log twelve gallons of fresh water", "log 12 gallons of fresh water"),
        ("1,200 miles", "1200 miles"),
        ("zero", "0"),
    ],
)
def test_spoken_and_written_amounts_meet_in_one_form(spoken: str, normal: str) -> None:
    assert normalize_numbers(spoken) == normal


@pytest.mark.parametrize(
    "text",
    [
        "Which one is closer?",
        "I like the one near Moab.",
        "Oh, I see.",
        "A campground with hookups",
        "a one-way trip",
        "Hundreds of campsites",
        "",
    ],
)
def test_words_that_are_not_amounts_stay(text: str) -> None:
    assert normalize_numbers(text) == text


def test_digit_by_digit_sequences_are_not_added_up() -> None:
    assert normalize_numbers("five five five") == "5 5 5"
    assert normalize_numbers("twelve fifty") == "12 50"


def test_one_as_an_amount_becomes_a_digit() -> None:
    assert normalize_numbers("add one gallon") == "add 1 gallon"
    assert normalize_numbers("One more thing") == "1 more thing"


def test_and_after_a_number_that_is_not_part_of_it_stays() -> None:
    assert normalize_numbers("two hundred and counting") == "200 and counting"
    assert normalize_numbers("two and three") == "2 and 3"
