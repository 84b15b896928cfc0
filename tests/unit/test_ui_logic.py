"""The tray's pure parts, with plain values: status reduction and looks, settings plans and the
config file, conversation and overlay models, chart scales, hotkey parsing, desktop entries."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pam.config import Config, load
from pam.conversation.messages import MuteChanged, StateChanged, TurnFinished
from pam.conversation.states import State, Transition, Trigger
from pam.engines.base import TextDelta, Transcript
from pam.errors import ConfigError
from pam.listen.wakeword import wake_phrase
from pam.store.records import TurnRecord
from pam.ui import desktop
from pam.ui.charts import nice_ceiling
from pam.ui.conversation import ConversationLog
from pam.ui.meter import FLOOR_DB, level_db
from pam.ui.overlay import OverlayModel, metric_rows
from pam.ui.preferences import Step, merged, plan, save
from pam.ui.settings import sensitivity, threshold
from pam.ui.status import (
    EngineChanged,
    Failed,
    Loading,
    Look,
    Progress,
    Ready,
    TrayStatus,
    WakeWordChanged,
    headline,
    look,
    reduce,
    tooltip,
)


def changed(before: State, trigger: Trigger, after: State, sample: int = 16_000) -> StateChanged:
    return StateChanged(Transition(before, trigger, after, sample))


def record(**kw: object) -> TurnRecord:
    base: dict[str, object] = {
        "session_id": 1,
        "started_at": 1.7e9,
        "ended_at": 1.7e9 + 3,
        "trigger": "wake",
        "engine": "local",
    }
    return TurnRecord(**{**base, **kw})  # type: ignore[arg-type]


READY = Ready("auto", "realtime", True, "hey jarvis")


# --- status ---------------------------------------------------------------------------------


def test_a_session_goes_from_loading_to_waiting_for_the_wake_word() -> None:
    status = TrayStatus()
    assert look(status) is Look.LOADING
    status = reduce(status, Loading("Loading the offline language model"))
    assert headline(status) == "Loading the offline language model"
    status = reduce(status, READY)
    assert look(status) is Look.WAITING
    assert tooltip(status) == "PAM: Listening for “hey jarvis”\nEngine: OpenAI Realtime (online)"


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (State.LISTENING, Look.LISTENING),
        (State.SPECULATIVE, Look.LISTENING),
        (State.COMMITTED, Look.THINKING),
        (State.SPEAKING, Look.SPEAKING),
        (State.IDLE, Look.WAITING),
    ],
)
def test_each_turn_state_has_its_look(after: State, expected: Look) -> None:
    status = reduce(reduce(TrayStatus(), READY), changed(State.IDLE, Trigger.WAKE, after))
    assert look(status) is expected


def test_mute_wins_over_the_turn_state_and_error_over_everything() -> None:
    status = reduce(reduce(TrayStatus(), READY), MuteChanged(True))
    assert look(status) is Look.MUTED
    assert headline(status) == "Microphone muted"
    status = reduce(status, Failed("No audio server was found; start PulseAudio."))
    assert look(status) is Look.ERROR
    assert tooltip(status) == "PAM: No audio server was found; start PulseAudio."


def test_wake_word_off_is_idle_and_offline_engine_shows_the_badge() -> None:
    status = reduce(reduce(TrayStatus(), READY), WakeWordChanged(False))
    assert look(status) is Look.IDLE
    assert not status.offline
    status = reduce(status, EngineChanged("auto", "local"))
    assert status.offline
    assert "Engine: local (offline)" in tooltip(status)


def test_loading_steps_show_only_while_loading() -> None:
    status = reduce(TrayStatus(), Loading("Waiting for the offline models…"))
    status = reduce(status, Progress("Loading the offline voice"))
    assert tooltip(status) == "PAM: Waiting for the offline models…\nLoading the offline voice"
    ready = reduce(status, READY)
    assert reduce(ready, Progress("Offline engine ready")) == ready  # a late step changes nothing


def test_messages_the_tray_does_not_show_change_nothing() -> None:
    status = reduce(TrayStatus(), READY)
    assert reduce(status, TextDelta(1, "hello")) == status


def test_wake_phrase_from_model_names_and_paths() -> None:
    assert wake_phrase("hey_jarvis") == "hey jarvis"
    assert wake_phrase("/models/hey_pam_v0.2.onnx") == "hey pam"
    assert wake_phrase("hey_vanessa") == "hey vanessa"


# --- settings -------------------------------------------------------------------------------


def test_each_setting_takes_the_cheapest_way_into_effect() -> None:
    base = Config()

    def steps(**changes: dict[str, object]) -> set[Step]:
        return plan(base, merged(base, changes))

    assert steps(conversation={"follow_up_s": 8.0}) == {Step.CONVERSATION}
    assert steps(wake={"threshold": 0.3}, listen={"commit_ms": 600}) == {Step.LISTENER}
    assert steps(audio={"echo_cancellation": True}) == {Step.LISTENER}
    assert steps(audio={"input_device": "USB"}) == {Step.CAPTURE}
    assert steps(engine={"mode": "auto"}) == {Step.ENGINE_MODE}
    assert steps(ui={"hotkey": "Ctrl+F9", "start_on_login": True}) == {Step.HOTKEY, Step.AUTOSTART}
    # a new speaker or voice needs the whole graph, which also covers the cheaper changes
    assert steps(audio={"output_device": "HDMI", "input_device": "USB"}, wake={"threshold": 0.3}) == {Step.REBUILD}
    assert steps(local={"length_scale": 0.8}) == {Step.REBUILD}
    assert plan(base, base) == set()


def test_a_bad_value_is_one_sentence() -> None:
    with pytest.raises(ConfigError, match=r"wake\.threshold = 1\.5 is not valid"):
        merged(Config(), {"wake": {"threshold": 1.5}})


def test_saving_keeps_the_file_and_leaves_env_overrides_out(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[audio]\ninput_device = "USB"\n')
    save({"wake": {"threshold": 0.35}, "ui": {"start_on_login": True}}, path)
    data = tomllib.loads(path.read_text())
    assert data["audio"]["input_device"] == "USB"
    assert data["wake"]["threshold"] == 0.35
    assert data["ui"]["start_on_login"] is True
    # a run with PAM_AUDIO_INPUT_DEVICE set saves nothing of it
    save({"conversation": {"follow_up_s": 2.0}}, path)
    loaded = load(path, environ={"PAM_AUDIO_INPUT_DEVICE": "Other"})
    assert loaded.audio.input_device == "Other"
    assert tomllib.loads(path.read_text())["audio"]["input_device"] == "USB"
    assert not list(tmp_path.glob("*.new"))


def test_wake_sensitivity_is_the_inverse_of_the_threshold() -> None:
    assert sensitivity(0.5) == 50
    assert sensitivity(0.3) == 70
    assert threshold(70) == 0.3
    assert threshold(sensitivity(0.35)) == 0.35


# --- conversation and overlay models --------------------------------------------------------


def test_the_conversation_log_shows_live_words_then_the_finished_turn() -> None:
    log = ConversationLog()
    assert "No conversations yet" in log.html()
    log.load([{"started_at": 1.7e9, "transcript": "old question", "reply": "old <answer>", "interrupted": 0}])
    assert log.on(Transcript(1, "where can", final=False))
    assert "where can…" in log.html()
    log.on(Transcript(1, "where can we camp", final=True))
    log.on(TextDelta(1, "About forty miles "))
    log.on(TextDelta(1, "north."))
    page = log.html()
    assert "where can we camp" in page and "About forty miles north. ▍" in page
    assert "old &lt;answer&gt;" in page  # escaped
    log.on(
        TurnFinished(record(transcript="where can we camp", reply="About forty", interrupted=True, played_ms=1500), 7)
    )
    page = log.html()
    assert "interrupted after 1.5 s" in page
    assert "▍" not in page
    assert [e.you for e in log.history] == ["old question", "where can we camp"]
    assert not log.on(changed(State.IDLE, Trigger.WAKE, State.LISTENING))


def test_overlay_lists_latency_parts_in_turn_order_and_recent_transitions() -> None:
    rows = metric_rows({"stt_ms": 210.4, "first_audio_ms": 812.0, "endpoint_ms": 480.0, "zz_custom_ms": 5.0})
    assert rows == [
        ("time to first audio", "812 ms"),
        ("  end of speech → commit", "480 ms"),
        ("    speech to text", "210 ms"),
        ("zz custom", "5 ms"),
    ]
    model = OverlayModel(transitions=3)
    for i in range(5):
        model.on(changed(State.IDLE, Trigger.PUSH_TO_TALK, State.LISTENING, sample=16_000 * i))
    assert [s.seconds for s in model.steps] == [2.0, 3.0, 4.0]
    model.on(TurnFinished(record(latencies={"first_audio_ms": 900.0}, interrupted=True, played_ms=640), 1))
    page = model.html()
    assert "900 ms" in page and "heard before stop" in page and "640 ms" in page


# --- small helpers --------------------------------------------------------------------------


def test_chart_scales_round_up_to_1_2_5() -> None:
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 1.2, 3, 7, 42, 0.013)] == [1, 0.5, 1, 2, 5, 10, 50, 0.02]


def test_input_level_in_dbfs() -> None:
    import numpy as np

    assert level_db(np.zeros(800, dtype=np.int16)) == FLOOR_DB
    full = np.full(800, 32767, dtype=np.int16)
    assert level_db(full) == pytest.approx(0.0, abs=0.01)
    assert level_db(full // 10) == pytest.approx(-20.0, abs=0.1)


def test_autostart_entry_is_written_and_removed_under_pam_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_HOME", str(tmp_path))
    path = desktop.set_autostart(True)
    assert path.is_relative_to(tmp_path)
    text = path.read_text()
    assert "[Desktop Entry]" in text and "X-GNOME-Autostart-enabled=true" in text
    exec_line = next(line for line in text.splitlines() if line.startswith("Exec="))
    assert "pam" in exec_line
    icon = next(line for line in text.splitlines() if line.startswith("Icon="))
    assert Path(icon.removeprefix("Icon=")).exists()
    desktop.set_autostart(False)
    assert not path.exists()
    desktop.set_autostart(False)  # already gone: nothing to do


def test_menu_entry_install_copies_the_icon(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_HOME", str(tmp_path))
    entry = desktop.install_menu_entry()
    assert entry.name == "pam.desktop" and entry.is_relative_to(tmp_path)
    assert "X-GNOME-Autostart" not in entry.read_text()
    assert list(tmp_path.rglob("pam.svg"))
