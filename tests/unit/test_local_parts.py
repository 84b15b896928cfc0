"""Pure parts of the local engine: history, thread plan, example parsing, Whisper window."""

from pam import paths
from pam.engines.local.history import History, estimate_tokens
from pam.engines.local.llm import parse_examples
from pam.engines.local.resources import plan_threads
from pam.engines.local.stt import window_seconds


def test_messages_alternate_user_and_assistant_in_order() -> None:
    history = History(budget_tokens=1000)
    history.add(1, "What is a black tank?", "It holds toilet waste.")
    history.add(2, "And the grey tank?", "It holds sink and shower water.")
    assert history.messages() == [
        {"role": "user", "content": "What is a black tank?"},
        {"role": "assistant", "content": "It holds toilet waste."},
        {"role": "user", "content": "And the grey tank?"},
        {"role": "assistant", "content": "It holds sink and shower water."},
    ]


def test_oldest_exchanges_are_dropped_to_stay_within_the_budget() -> None:
    history = History(budget_tokens=60)
    for turn in range(10):
        history.add(turn, f"question number {turn} " * 3, f"answer number {turn} " * 3)
    assert history.tokens <= 60
    assert 0 < len(history) < 10
    assert history.messages()[-1]["content"].startswith("answer number 9")


def test_an_exchange_larger_than_the_budget_is_not_kept() -> None:
    history = History(budget_tokens=10)
    history.add(1, "x" * 400, "y" * 400)
    assert len(history) == 0


def test_amend_keeps_what_was_heard_or_forgets_the_turn() -> None:
    history = History(budget_tokens=1000)
    history.add(1, "Tell me about Moab.", "Moab is in Utah. It has arches.")
    history.add(2, "Never mind", "Okay.")
    history.amend(1, "Moab is in Utah.")
    history.amend(2, None)
    assert history.messages() == [
        {"role": "user", "content": "Tell me about Moab."},
        {"role": "assistant", "content": "Moab is in Utah."},
    ]
    history.amend(99, None)  # an unknown turn is ignored
    assert len(history) == 1


def test_token_estimate_grows_with_text() -> None:
    assert estimate_tokens("") > 0
    assert estimate_tokens("word " * 100) > estimate_tokens("word " * 10)


def test_thread_plan_uses_the_cores_but_piper_stays_single_threaded() -> None:
    assert plan_threads(2) == plan_threads(2, 0, 0)
    two = plan_threads(2)
    assert (two.stt_threads, two.llm_threads, two.tts_threads) == (2, 2, 1)
    assert plan_threads(32).llm_threads == 4
    assert plan_threads(1).stt_threads == 1
    assert plan_threads(2, stt_threads=1, llm_threads=3).llm_threads == 3


def test_example_exchanges_parse_into_alternating_messages() -> None:
    text = "# a note\n> How far is Zion?\nI can't look that up offline.\n\n> Thanks!\nYou're welcome.\n> dangling\n"
    assert parse_examples(text) == [
        {"role": "user", "content": "How far is Zion?"},
        {"role": "assistant", "content": "I can't look that up offline."},
        {"role": "user", "content": "Thanks!"},
        {"role": "assistant", "content": "You're welcome."},
    ]


def test_the_shipped_examples_parse() -> None:
    text = (paths.project_root() / "resources" / "prompts" / "local_examples.txt").read_text(encoding="utf-8")
    messages = parse_examples(text)
    assert len(messages) >= 4
    assert [m["role"] for m in messages[:2]] == ["user", "assistant"]


def test_whisper_window_fits_the_clip_with_a_margin() -> None:
    assert window_seconds(16_000 * 3) == 5  # never below five seconds
    assert window_seconds(int(16_000 * 6.2)) == 8
    assert window_seconds(16_000 * 60) == 30  # Whisper's own window is the most
