from pam.engines.local.clauses import ClauseSplitter, speakable


def split_stream(text: str, splitter: ClauseSplitter | None = None, step: int = 3) -> list[str]:
    """Feed ``text`` in small pieces, as tokens arrive, and collect every clause including the rest."""
    splitter = splitter or ClauseSplitter(first_min_chars=12, min_chars=40)
    out: list[str] = []
    for i in range(0, len(text), step):
        out += splitter.feed(text[i : i + step])
    rest = splitter.flush()
    return [*out, rest] if rest else out


def test_sentences_come_out_one_by_one() -> None:
    text = "Your black tank holds toilet waste. Dump it when it is two thirds full! Anything else?"
    assert split_stream(text) == [
        "Your black tank holds toilet waste.",
        "Dump it when it is two thirds full!",
        "Anything else?",
    ]


def test_a_sentence_is_handed_out_as_soon_as_the_space_after_it_arrives() -> None:
    splitter = ClauseSplitter()
    assert splitter.feed("It is ten miles away.") == []
    assert splitter.feed(" The") == ["It is ten miles away."]


def test_first_clause_is_cut_at_a_comma_early_later_ones_only_when_long() -> None:
    text = "Sure, the dump station is open, and it costs ten dollars, cash only, at the gate. Yes, it is."
    assert split_stream(text) == [
        "Sure, the dump station is open,",
        "and it costs ten dollars, cash only, at the gate.",
        "Yes, it is.",
    ]


def test_decimals_abbreviations_and_initials_are_not_sentence_ends() -> None:
    text = "It is 3.5 miles to Mt. Carmel via the U.S. highway. Drive slowly."
    assert split_stream(text) == ["It is 3.5 miles to Mt. Carmel via the U.S. highway.", "Drive slowly."]


def test_markdown_lists_become_plain_clauses() -> None:
    text = "Follow these steps:\n1. **Park** on level ground.\n2. Lower the `jacks`.\n- Check the bubble"
    assert split_stream(text) == [
        "Follow these steps:",
        "Park on level ground.",
        "Lower the jacks.",
        "Check the bubble",
    ]


def test_a_run_on_answer_is_cut_at_a_word_boundary() -> None:
    splitter = ClauseSplitter(max_chars=30)
    words = "this answer just keeps going without any punctuation at all for a while"
    clauses = split_stream(words, splitter)
    assert len(clauses) > 1
    assert all(len(c) <= 30 for c in clauses)
    assert " ".join(clauses) == words


def test_nothing_speakable_gives_no_clause() -> None:
    assert split_stream("*** \n 1. \n") == []
    assert split_stream("") == []


def test_count_tracks_clauses_handed_out() -> None:
    splitter = ClauseSplitter()
    splitter.feed("One sentence here. Two")
    assert splitter.count == 1
    assert splitter.flush() == "Two"
    assert splitter.count == 2


def test_speakable_strips_links_urls_headings_and_emoji() -> None:
    assert speakable("## Tips 🚐 see [the map](http://x.y) or https://example.com now") == "Tips see the map or now"
    assert speakable("  -  ") == ""
