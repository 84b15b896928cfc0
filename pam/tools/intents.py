"""The deterministic intent matcher: common commands → (tool, arguments), fast and exact.

Pure and clock-free: text in, `Intent` or None out. It answers only when the words leave no
doubt (an amount AND a spending word, a duration AND "timer", ...); anything else returns None and
the LLM routes it. Arguments are exactly what the tool's schema takes, minus defaults, so an
intent can be called as it is. Relative times stay relative ("yesterday", "tomorrow 09:00"):
the tool resolves them against its own clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pam.tools.numbers import digits, find_amount, find_clock, find_duration
from pam.tools.vocab import find_category


@dataclass(frozen=True)
class Intent:
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


_FILLER_START = re.compile(
    r"^(?:(?:hey |ok |okay )?pam |ok |okay |so |um |uh |hey )*(?:please |can you |could you |would you |will you )*"
)
_FILLER_END = re.compile(r"(?: please| thanks| thank you| for me| pam)+$")


def _clean(text: str) -> str:
    text = digits(text).replace("?", "").replace("!", "").strip()
    text = _FILLER_START.sub("", text)
    return _FILLER_END.sub("", text).strip()


def _sub(pattern: str, text: str) -> str:
    return " ".join(re.sub(pattern, " ", text).split())


# --- conversation control: whole utterances only ("stop at the next gas station" is not "stop")

_CONTROL = {
    "stop": r"stop|stop (?:talking|it|that)|be quiet|quiet|shut up|shush|hush|silence|enough|that's enough|pause",
    "repeat": r"repeat|repeat that|say (?:that|it) again|what did you (?:just )?say|come again|pardon|"
    r"what was that|one more time|sorry what",
    "louder": r"louder|speak up|talk louder|turn (?:it|the volume|yourself) up|volume up|more volume|"
    r"increase the volume|i can't hear you",
    "softer": r"softer|quieter|turn (?:it|the volume|yourself) down|volume down|lower the volume|"
    r"not so loud|too loud|speak softer|talk quieter",
    "offline": r"(?:go|work|switch to|stay|be) offline(?: mode)?|offline mode|switch to local(?: mode)?",
    "online": r"(?:go|work|switch to|get) (?:back )?online(?: mode)?|online mode|reconnect",
}


def _control(text: str) -> Intent | None:
    core = _sub(r"\b(?:a (?:little )?bit|a little|a touch|now|again please)\b", text) or text
    for action, pattern in _CONTROL.items():
        if re.fullmatch(pattern, core) or (action == "repeat" and re.fullmatch(pattern, text)):
            return Intent("conversation_control", {"action": action})
    return None


# --- notes

_ADD_NOTE = re.compile(
    r"^(?:remember|make a note|take a note|note|write down|jot down)(?: that| this)?:? (?P<text>.+)$"
)
_FIND_NOTE = re.compile(
    r"^(?:what did (?:i|we) (?:say|tell you|note) about|what do you know about|"
    r"where (?:is|are|did (?:i|we) (?:put|leave))) (?P<q>.+)$"
)
_LIST_NOTES = re.compile(r"^(?:read|list|show|what are) (?:me )?(?:my|our|the|all)? ?notes$")
_ARTICLES = r"^(?:the|my|our|a|an) "


def _add_note(text: str) -> Intent | None:
    m = _ADD_NOTE.match(text)
    if not m or m.group("text").startswith(("to ", "me ")):
        return None
    return Intent("add_note", {"text": m.group("text").strip()})


def _find_notes(text: str) -> Intent | None:
    if _LIST_NOTES.match(text):
        return Intent("find_notes")
    m = _FIND_NOTE.match(text)
    if not m or re.search(r"\b(?:nearest|closest|near|next)\b", m.group("q")):
        return None
    return Intent("find_notes", {"query": _sub(_ARTICLES, m.group("q"))})


# --- timers and reminders

_TIMER_WORD = r"(?:timers?|countdowns?|alarms?|reminders?)"
_CANCEL = re.compile(
    rf"^(?:cancel|stop|delete|clear|turn off|remove|kill)(?P<all> all(?: of)?)?(?: (?:the|my|that))* "
    rf"(?:(?P<label>.+?) )?{_TIMER_WORD}(?: (?:to|for|about) (?P<label2>.+))?$"
)
_LIST_TIMERS = re.compile(
    rf"^(?:(?:what|which|any|list|show|read|tell me|do i have|how many)\b.*\b{_TIMER_WORD}\b.*"
    rf"|how (?:much time|long) (?:is )?left.*)$"
)


def _cancel_timer(text: str) -> Intent | None:
    m = _CANCEL.match(text)
    if not m:
        return None
    if m.group("all"):
        return Intent("cancel_timer", {"all": True})
    label = m.group("label2") or m.group("label") or ""
    return Intent("cancel_timer", {"label": label} if label else {})


def _set_timer(text: str) -> Intent | None:
    if not re.search(r"\b(?:timer|countdown)\b", text):
        return None
    found = find_duration(text)
    if found is None:
        return None
    before = text[: found.start].removesuffix("for ")  # "timer for 3 minutes for the tea"
    rest = " ".join((before + " " + text[found.end :]).split())
    label = ""
    m = re.search(r"\b(?:a|an|the|my) (?P<l>[a-z ]+?) (?:timer|countdown)\b", rest)
    if m and m.group("l") not in ("new", "quick"):
        label = m.group("l")
    m = re.search(r"\b(?:timer|countdown) (?:for|on) (?:the |my )?(?P<l>[a-z][a-z ]*)$", rest)
    if m:
        label = m.group("l")
    args: dict[str, Any] = {"seconds": round(found.value)}
    if label:
        args["label"] = label
    return Intent("set_timer", args)


_REMIND = re.compile(r"^(?:remind me|set a reminder|reminder)\b(?P<rest>.*)$")


def _set_reminder(text: str) -> Intent | None:
    m = _REMIND.match(text)
    if not m:
        return None
    rest = m.group("rest")
    args: dict[str, Any] = {}
    duration = find_duration(rest)
    if duration and rest[: duration.start].endswith("in "):
        args["in_seconds"] = round(duration.value)
        rest = rest[: duration.start - 3] + " " + rest[duration.end :]
    else:
        clock = find_clock(rest)
        if clock is None:
            return None
        at, start, end = clock
        if re.search(r"\btomorrow\b", rest):
            at = f"tomorrow {at}"
        args["at"] = at
        rest = rest[:start] + " " + rest[end:]
    rest = _sub(r"\b(?:tomorrow|today|later)\b", rest)
    what = re.match(r"^(?:(?:for|on) )?(?:to|about|that) (?P<t>.+)$", rest)
    if not what:
        return None
    return Intent("set_reminder", {"text": what.group("t"), **args})


# --- budget

_PERIODS = (
    (r"\blast month\b", "last_month"),
    (r"\btoday\b", "today"),
    (r"\byesterday\b", "yesterday"),
    (r"\b(?:this )?week\b", "week"),
    (r"\b(?:this )?year\b", "year"),
    (r"\b(?:in total|all time|ever)\b", "all"),
)
_SPENDING = re.compile(
    r"^(?:how much (?:money )?(?:have|did|do|has) (?:i|we)(?: been)? spen[dt]|what (?:have|did) (?:i|we) spen[dt]|"
    r"(?:show|tell me|what's|what is|give me) (?:my|our|the) spending|(?:my|our) spending)\b"
)
_BUDGET_LEFT = re.compile(
    r"\b(?:budget|money)\b.*\b(?:left|remaining|status)\b|\b(?:over|under|within|on) (?:the |my |our )?budget\b|"
    r"^how much (?:budget|money )?(?:do|have) (?:i|we) (?:got )?left|^how(?:'s| is) (?:my|our|the) budget|"
    r"^what's left in (?:the|my|our) budget"
)
_SET_BUDGET = re.compile(
    r"^(?:set|make|change|update) (?:my |our |the )?(?:monthly )?budget (?:to|at|of)\b|"
    r"^(?:my|our) (?:monthly )?budget is\b"
)
_UNDO = re.compile(
    r"^(?:undo|scratch|delete|remove|cancel)(?: that| the| my)?(?: last)?(?: (?:expense|entry|purchase|one))?$"
)
_EXPENSE_VERB = re.compile(
    r"\b(?:spent|spend|paid|pay|log|logged|add|record|put|bought|cost|costs|was|were|came to|charged|expense)\b"
)
_QUESTION = re.compile(r"^(?:how|what|when|where|why|which|who|is|are|do|does|did|can|could|should|will)\b")


def _period(text: str) -> str | None:
    return next((p for pattern, p in _PERIODS if re.search(pattern, text)), None)


def _spending(text: str) -> Intent | None:
    if not _SPENDING.search(text):
        return None
    args: dict[str, Any] = {}
    period = _period(text)
    if period and period != "month":
        args["period"] = period
    category = find_category(text)
    if category:
        args["category"] = category[0]
    return Intent("spending", args)


def _budget(text: str) -> Intent | None:
    if _SET_BUDGET.search(text):
        amount = find_amount(text)
        return Intent("set_budget", {"amount": amount.value}) if amount else None
    if _BUDGET_LEFT.search(text):
        return Intent("budget_status")
    if _UNDO.match(text) and (text.startswith(("undo", "scratch")) or re.search(r"expense|entry|purchase", text)):
        return Intent("undo_expense")
    if re.match(r"^(?:undo|scratch|delete|remove)\b.*\b(?:expense|entry|purchase)$", text):
        return Intent("undo_expense")
    return None


def _add_expense(text: str) -> Intent | None:
    if _QUESTION.match(text):
        return None
    marked = find_amount(text, bare=False)
    amount = marked or find_amount(text)
    if amount is None:
        return None
    rest = text[: amount.start] + " " + text[amount.end :]
    category = find_category(rest)
    if not _EXPENSE_VERB.search(rest) and category is None:
        return None
    if marked is None and category is None and not re.search(r"\b(?:spent|paid|expense)\b", rest):
        return None  # "add 3 to the list" is not money
    args: dict[str, Any] = {"amount": amount.value}
    if category and category[0] != "other":
        args["category"] = category[0]
    if re.search(r"\byesterday\b", rest):
        args["date"] = "yesterday"
    return Intent("add_expense", args)


# --- trips

_TRIP_WORDS = r"\b(?:trip|route|itinerary|stops?)\b"
_ROUTE_TRIGGER = re.compile(
    r"^(?:how far(?: away)?|(?:what's |what is )?(?:the )?(?:distance|drive time|driving time|drive)|"
    r"how many (?:miles|kilometers|kilometres|km)|how long (?:does it take|will it take|is the drive|"
    r"a drive|to drive|would it take|of a drive)|(?:plan |give me |get )?(?:a )?(?:route|directions)|"
    r"navigate)\b(?P<rest>.*)$"
)
_PLACE_TAIL = r"(?: (?:from here|today|tomorrow|now|right now))+$"


def _place(text: str) -> str:
    text = _sub(_PLACE_TAIL, " " + text.strip())
    return _sub(r"^(?:to |is |it |the |drive |driving )+", text + " ")


def _route(text: str) -> Intent | None:
    m = _ROUTE_TRIGGER.match(text)
    if not m:
        return None
    rest = m.group("rest").strip()
    args: dict[str, Any] = {}
    for pattern in (
        r"\bfrom (?P<o>.+?) to (?P<d>.+)$",
        r"\bto (?P<d>.+?) from (?P<o>.+)$",
        r"\bbetween (?P<o>.+?) and (?P<d>.+)$",
    ):
        pair = re.search(pattern, rest)
        if pair:
            origin, destination = _place(pair.group("o")), _place(pair.group("d"))
            if origin not in ("here", "where i am", "where we are"):
                args["origin"] = origin
            args["destination"] = destination
            break
    else:
        single = re.search(r"(?:.*\bto |^(?:is )?)(?P<d>.+)$", rest)
        if single:
            args["destination"] = _place(single.group("d"))
    if not args.get("destination") or args["destination"] in ("there", "it", "here"):
        return None
    return Intent("route", args)


_SAVE_PLACE = re.compile(r"^(?:save|remember|bookmark) (?P<loc>.+?) as (?:a (?:place|favorite|spot)|(?P<name>.+))$")
_ADD_STOP = re.compile(
    r"^add (?:a stop (?:in|at|to) |a stop for )?(?P<p>.+?)(?: (?:to|on) (?:the|my|our) (?:trip|route|itinerary)|"
    r" as (?:a|the next) stop)?(?: (?:on|for) (?P<d>\d{4}-\d{2}-\d{2}|today|tomorrow))?$"
)
_LIST_STOPS = re.compile(
    r"\b(?:upcoming|next) stops?\b|^where (?:are|am) (?:we|i) (?:going|headed|heading)(?: next)?$|"
    r"^what's (?:next|coming up) on (?:the|our|my) (?:trip|route|itinerary)$|"
    r"^(?:list|show|what are|read) (?:me )?(?:my|our|the) (?:upcoming )?stops$"
)


def _trips(text: str) -> Intent | None:
    save = _SAVE_PLACE.match(text)
    if save and save.group("loc") not in ("this", "this place", "here", "it"):
        name = save.group("name")
        if name:
            return Intent("save_place", {"name": name, "location": save.group("loc")})
        return Intent("save_place", {"name": save.group("loc")})
    if _LIST_STOPS.search(text):
        return Intent("list_stops")
    stop = _ADD_STOP.match(text)
    if stop and re.search(_TRIP_WORDS, text):
        args: dict[str, Any] = {"place": _sub(_ARTICLES, stop.group("p"))}
        if stop.group("d"):
            args["date"] = stop.group("d")
        return Intent("add_stop", args)
    return _route(text)


# --- weather

_WEATHER = re.compile(
    r"\b(?:weather|forecast|temperature|rain|raining|snow|snowing|sunny|windy|storms?|"
    r"how (?:hot|cold|warm) (?:is|will|is it))\b"
)
_TIME_WORDS = r"\b(?:(?:for |on )?tomorrow|today|tonight|this (?:morning|afternoon|evening)|right now|now|outside)\b"


def _weather(text: str) -> Intent | None:
    if not _WEATHER.search(text) or re.search(r"\b(?:heater|weatherproof)\b", text):
        return None
    args: dict[str, Any] = {}
    if re.search(r"\btomorrow\b", text):
        args["when"] = "tomorrow"
    elif re.search(r"\b(?:right now|now|currently|outside)\b", text):
        args["when"] = "now"
    rest = _sub(_TIME_WORDS, text)
    place = re.search(r"\b(?:in|for|at|near) (?P<p>[a-z][a-z .'-]*)$", rest)
    if place and not re.match(r"(?:the )?(?:morning|afternoon|evening|weekend|area)$", place.group("p")):
        args["place"] = place.group("p").strip()
    return Intent("weather", args)


_RULES: tuple[Callable[[str], Intent | None], ...] = (
    _control,
    _add_note,
    _set_reminder,
    _cancel_timer,
    _set_timer,
    lambda t: Intent("list_timers") if _LIST_TIMERS.match(t) else None,
    _budget,
    _spending,
    _trips,
    _weather,
    _add_expense,
    _find_notes,
)


def match(text: str) -> Intent | None:
    """The tool call ``text`` asks for, or None when the matcher is not sure."""
    cleaned = _clean(text)
    if not cleaned:
        return None
    for rule in _RULES:
        intent = rule(cleaned)
        if intent is not None:
            return intent
    return None
