import pytest

from pam.conversation.states import TRANSITIONS, InvalidTransition, State, Trigger, TurnStateMachine


def machine_in(state: State) -> TurnStateMachine:
    m = TurnStateMachine()
    m.state = state
    return m


@pytest.mark.parametrize(("before", "trigger"), sorted(TRANSITIONS, key=lambda k: (k[0].value, k[1].value)))
def test_every_valid_transition(before: State, trigger: Trigger) -> None:
    m = machine_in(before)
    step = m.fire(trigger, sample=1234)
    assert m.state is TRANSITIONS[(before, trigger)]
    assert (step.before, step.trigger, step.after, step.sample) == (before, trigger, m.state, 1234)
    assert m.history == [step]


INVALID = [(s, t) for s in State for t in Trigger if (s, t) not in TRANSITIONS]


@pytest.mark.parametrize(("before", "trigger"), INVALID)
def test_invalid_transitions_raise_and_change_nothing(before: State, trigger: Trigger) -> None:
    m = machine_in(before)
    with pytest.raises(InvalidTransition):
        m.fire(trigger, sample=0)
    assert m.state is before
    assert m.history == []


def test_only_committed_output_reaches_the_speaker() -> None:
    # FIRST_AUDIO (the speaker starting) is valid from COMMITTED only: never while speculating.
    assert {s for (s, t) in TRANSITIONS if t is Trigger.FIRST_AUDIO} == {State.COMMITTED}


def test_a_full_turn_with_speculation_and_follow_up() -> None:
    m = TurnStateMachine()
    path = [
        (Trigger.WAKE, State.LISTENING),
        (Trigger.PAUSE, State.SPECULATIVE),
        (Trigger.RESUME, State.LISTENING),
        (Trigger.PAUSE, State.SPECULATIVE),
        (Trigger.COMMIT, State.COMMITTED),
        (Trigger.FIRST_AUDIO, State.SPEAKING),
        (Trigger.FOLLOW_UP, State.LISTENING),
        (Trigger.TIMEOUT, State.IDLE),
    ]
    for sample, (trigger, expected) in enumerate(path):
        assert m.fire(trigger, sample * 320).after is expected
    assert [t.sample for t in m.history] == [i * 320 for i in range(len(path))]
