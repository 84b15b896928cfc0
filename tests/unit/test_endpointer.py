"""The endpointer on plain voiced/unvoiced flags: ``#`` is a voiced 20 ms frame, ``.`` a silent one."""

from __future__ import annotations

import pytest

from pam.config import ListenConfig
from pam.listen.endpointer import FRAME_SAMPLES, Decision, End, Endpointer, Onset, Pause, Resume, decide

F = FRAME_SAMPLES  # 320 samples = 20 ms
CONFIG = ListenConfig(speech_start_ms=60, speculate_ms=160, commit_ms=480, preroll_ms=300, max_utterance_s=20)
PREROLL = 300 * 16


def flags(pattern: str) -> list[bool]:
    return [c == "#" for c in pattern.replace(" ", "")]


def run(pattern: str, config: ListenConfig = CONFIG, first_sample: int = 0) -> list[tuple[int, Decision]]:
    return decide(flags(pattern), config, first_sample)


def test_silence_decides_nothing() -> None:
    assert run("." * 500) == []


def test_onset_after_speech_start_ms_of_voiced_frames_dated_at_the_run_start() -> None:
    out = run("." * 30 + "#" * 10)
    assert out[0] == (32, Onset(30 * F, 30 * F - PREROLL))
    assert len(out) == 1


@pytest.mark.parametrize("speech_start_ms,frames", [(20, 1), (60, 3), (100, 5), (110, 6)])
def test_onset_needs_speech_start_ms_rounded_up_to_frames(speech_start_ms: int, frames: int) -> None:
    config = CONFIG.model_copy(update={"speech_start_ms": speech_start_ms})
    assert run("#" * (frames - 1) + "." * 30, config) == []
    assert run("#" * frames, config)[0][0] == frames - 1


@pytest.mark.parametrize("blip", ["#", "##", "#.#", "#.#.#.#.#.#", "##..##..##"])
def test_noise_blips_start_nothing(blip: str) -> None:
    assert run("." * 20 + blip + "." * 50) == []


def test_one_isolated_unvoiced_frame_inside_the_onset_window_is_tolerated() -> None:
    out = run("." * 20 + "#.##" + "#" * 10)
    assert out[0] == (23, Onset(20 * F, 20 * F - PREROLL))


def test_two_unvoiced_frames_restart_the_onset_window() -> None:
    out = run("." * 20 + "#..###" + "#" * 10)
    assert out[0] == (25, Onset(23 * F, 23 * F - PREROLL))


def test_preroll_is_clamped_at_the_first_sample() -> None:
    out = run("....###")
    assert out[0][1] == Onset(4 * F, 0)


def test_speech_pause_resume_end() -> None:
    pattern = "." * 20 + "#" * 25 + "." * 10 + "#" * 15 + "." * 30
    out = run(pattern)
    speech_end_1 = 45 * F
    resume_at = 55
    speech_end_2 = 70 * F
    assert out == [
        (22, Onset(20 * F, 20 * F - PREROLL)),
        (45 + 8 - 1, Pause(speech_end_1, 20 * F - PREROLL)),  # 8 silent frames = 160 ms
        (resume_at + 2, Resume(resume_at * F)),
        (70 + 8 - 1, Pause(speech_end_2, 20 * F - PREROLL)),
        (70 + 24 - 1, End(speech_end_2, 20 * F - PREROLL)),  # 24 silent frames = 480 ms
    ]


def test_a_gap_shorter_than_speculate_ms_says_nothing() -> None:
    out = run("#" * 20 + "." * 7 + "#" * 20 + "." * 30)
    assert [type(d) for _, d in out] == [Onset, Pause, End]
    assert out[-1][1] == End(47 * F, 0)


def test_no_pause_while_the_voiced_run_that_ends_the_gap_is_still_forming() -> None:
    # the gap reaches 160 ms on the new run's first frame, which is not yet confirmed speech
    out = run("#" * 20 + "." * 7 + "##" + "#" * 20 + "." * 30)
    assert [type(d) for _, d in out] == [Onset, Pause, End]
    assert out[1][0] == 49 + 8 - 1


def test_blips_inside_the_silence_do_not_postpone_the_end() -> None:
    out = run("#" * 20 + "." * 10 + "##" + "." * 10 + "#" + "." * 30)
    assert out[-1] == (20 + 24 - 1, End(20 * F, 0))


def test_end_reports_the_last_voiced_frame_and_the_utterance_start() -> None:
    out = run("." * 50 + "#" * 100 + "." * 24)
    assert out[-1] == (173, End(150 * F, 50 * F - PREROLL, forced=False))


def test_no_pause_when_speculate_is_not_shorter_than_commit() -> None:
    config = CONFIG.model_copy(update={"speculate_ms": 480})
    out = run("#" * 10 + "." * 30, config)
    assert [type(d) for _, d in out] == [Onset, End]


def test_speculate_zero_pauses_on_the_first_silent_frame() -> None:
    config = CONFIG.model_copy(update={"speculate_ms": 0})
    out = run("#" * 10 + "." * 30, config)
    assert out[1] == (10, Pause(10 * F, 0))


def test_max_utterance_forces_an_end_and_speech_going_on_starts_a_new_one() -> None:
    config = CONFIG.model_copy(update={"max_utterance_s": 1.0})
    out = run("#" * 80 + "." * 30, config)
    assert out[0] == (2, Onset(0, 0))
    assert out[1] == (49, End(50 * F, 0, forced=True))  # 50 frames = 1 s after the onset
    # the next utterance's pre-roll does not reach back into the one just ended
    assert out[2] == (52, Onset(50 * F, 50 * F))
    assert out[-1][1] == End(80 * F, 50 * F)


def test_sample_clock_offset_is_carried_through() -> None:
    base = 1_234_560
    out = run("." * 40 + "#" * 10 + "." * 30, first_sample=base)
    assert out[0][1] == Onset(base + 40 * F, base + 40 * F - PREROLL)
    assert out[-1][1] == End(base + 50 * F, base + 40 * F - PREROLL)


def test_consecutive_utterances_each_get_their_own_start() -> None:
    out = run("." * 50 + "#" * 10 + "." * 40 + "#" * 10 + "." * 30)
    onsets = [d for _, d in out if isinstance(d, Onset)]
    ends = [d for _, d in out if isinstance(d, End)]
    assert onsets == [Onset(50 * F, 50 * F - PREROLL), Onset(100 * F, 100 * F - PREROLL)]
    assert ends == [End(60 * F, 50 * F - PREROLL), End(110 * F, 100 * F - PREROLL)]


def test_step_reports_whether_an_utterance_is_open() -> None:
    endpointer = Endpointer(CONFIG)
    for i in range(3):
        endpointer.step(i * F, True)
    assert endpointer.in_utterance
    for i in range(3, 30):
        endpointer.step(i * F, False)
    assert not endpointer.in_utterance
