"""What the wake word model is trained and tested on: the phrase, its near misses and other speech.

Every list is split into a training part and a held-out part, so the reported rates are measured on
words and sentences the classifier never saw.
"""

from __future__ import annotations

import re
from pathlib import Path

POSITIVE = ("hey pam", "hey, pam", "hey pam!", "hey pam.", "hey pam?", "hi pam", "hi, pam", "hay pam")

NEAR_MISS_LISTED = ("hey palm", "hey pan", "hey spam", "hey sam", "pamphlet", "hey man", "hey ham", "spam")
"""the near misses the issue names: trained on (with training voices), tested with held-out voices"""

NEAR_MISS_TRAIN = (
    *NEAR_MISS_LISTED,
    "hey pat", "hey pal", "hey tam", "hey cam", "hey jam", "hey bam", "hey pom", "hey pum",
    "hey pin", "hey ma'am", "hey mom", "hey pa", "hey spa", "hey plan", "hey pamphlet", "hey panda",
    "hey pancake", "hey paul", "hey dan", "hey pap", "hey, am", "a pam", "hey", "hey there", "pan",
    "palm", "sam", "ham", "hey you", "okay", "hey what's up",
)  # fmt: skip

NEAR_MISS_UNSEEN = ("hey pen", "hey pad", "hey lamb", "hey clam", "hey tan", "hey pamper", "hey pack", "hey pump")
"""near misses never trained on: how the model does on sounds nobody thought of"""

CONTINUATIONS = (
    "how far is it to Moab", "what's the weather tomorrow", "add forty dollars for gas",
    "remind me to check the tires", "find a campground near here", "how much did I spend this week",
    "turn on the lights", "what time is it", "play some music", "where is the nearest dump station",
    "set a timer for ten minutes", "how long to Denver", "log twelve fifty for lunch",
    "what's the elevation here", "is it going to rain", "tell me a joke",
)  # fmt: skip

CONVERSATION = (
    "Can you pass me the salt please", "I think we should leave early tomorrow morning",
    "The campground was full so we drove on", "Did you remember to close the awning",
    "Let's stop for lunch at the next town", "The water tank is almost empty",
    "My phone has no signal out here", "We need to buy groceries before the weekend",
    "How was your day at work", "I'll call you back in a minute", "That movie was better than I expected",
    "Put the kettle on would you", "The dog needs a walk", "It's getting cold, grab a jacket",
    "Where did I leave my keys", "The road is closed because of snow", "Happy birthday to you",
    "I can't find the charger anywhere", "Turn left at the gas station", "We drove six hundred miles today",
    "Don't forget to lock the door", "The kids are asleep in the back", "What should we have for dinner",
    "The generator is too loud at night", "I read that book last summer", "Let me check the map",
    "Pamela sent a postcard from Spain", "The spam folder is full again", "He waved his palm at the camera",
    "We bought a new frying pan", "Sam and Pat are coming over", "My mom made ham sandwiches",
    "That pamphlet explains the park rules", "Hey man, nice truck", "Hey Sam, over here",
    "The panel on the roof is dirty", "I paid the bill yesterday", "Pack the camping chairs",
    "This is a really pleasant place", "Have a nice evening", "The pump at station four is broken",
    "Happy campers are quiet campers", "Pamper yourself for once", "The pantry is out of pasta",
)  # fmt: skip

CONVERSATION_HELD_OUT = (
    "Could you turn the music down a little", "We should be there before sunset",
    "The tire pressure looks a bit low", "I'm going to take a shower", "Who wants pancakes",
    "The park ranger said the trail is open", "Let's watch the sunrise from the ridge",
    "I left the map in the truck", "Hey, have you seen my sunglasses", "Pam said she would call later",
    "The hamster escaped again", "That's a lot of spam email", "Sam planted palm trees",
    "We need a bigger pan for this", "Hey buddy, how are you", "My phone battery is almost dead",
    "Let's check the weather before we go", "I put the leftovers in the fridge",
    "The propane tank needs a refill", "Thanks for dinner, it was great",
)  # fmt: skip

LICENCE_DIR = Path("/usr/share/common-licenses")
LICENCES_TRAIN = ("GPL-3", "Apache-2.0", "GFDL-1.3", "MPL-2.0")
LICENCES_HELD_OUT = ("LGPL-2.1", "Artistic")


def _sentences(text: str, min_words: int = 4, max_words: int = 18) -> list[str]:
    flat = re.sub(r"\s+", " ", text)
    out = []
    for raw in re.split(r"(?<=[.;:?!])\s+", flat):
        words = re.sub(r"[^A-Za-z0-9',\- ]", " ", raw).strip(" ,'-").split()
        while len(words) > max_words:
            out.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if len(words) >= min_words:
            out.append(" ".join(words))
    return out


def general_sentences(held_out: bool) -> list[str]:
    """Everyday sentences plus prose from the system's licence texts (plain English, always installed
    on Debian); an empty licence folder leaves the everyday sentences."""
    out = list(CONVERSATION_HELD_OUT if held_out else CONVERSATION)
    out += _licence_sentences(LICENCES_HELD_OUT if held_out else LICENCES_TRAIN)
    if held_out:
        # licences share boilerplate: a sentence also found in the training texts is not held out
        seen = set(_licence_sentences(LICENCES_TRAIN))
        out = [s for s in out if s not in seen]
    return list(dict.fromkeys(out))


def prose_sentences() -> list[str]:
    """Plain English from Python's own reference manual (``pydoc_data``, part of every Python): tens of
    thousands of words on topics nothing like a wake word, for far more varied negative speech than
    the licences alone. Training only; the held-out texts stay the licences above. Indented lines are
    code examples and lines with few letters are tables: both are skipped."""
    from pydoc_data.topics import topics

    def prose(line: str) -> bool:
        letters = sum(c.isalpha() or c == " " for c in line)
        return bool(line.strip()) and not line.startswith("    ") and letters > 0.9 * len(line)

    prose_text = "\n".join(line for text in topics.values() for line in text.splitlines() if prose(line))
    held_out = set(general_sentences(held_out=True))
    return [s for s in dict.fromkeys(_sentences(prose_text)) if s not in held_out]


def _licence_sentences(names: tuple[str, ...]) -> list[str]:
    out = []
    for name in names:
        path = LICENCE_DIR / name
        if path.is_file():
            out += _sentences(path.read_text(encoding="utf-8", errors="replace"))
    return out
