"""Model files are found and checked against the manifest's sha256."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from pam.assets import Assets
from pam.errors import ModelError


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAM_HOME", str(tmp_path / "home"))


def manifest(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models" / "manifest.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_a_project_model_with_the_right_checksum_is_found(tmp_path: Path) -> None:
    m = manifest(tmp_path, f'[mine]\npath = "mine.onnx"\nsha256 = "{sha(b"weights")}"\nlicence = "x"\n')
    (tmp_path / "models" / "mine.onnx").write_bytes(b"weights")
    assert Assets(m).path("mine") == tmp_path / "models" / "mine.onnx"


def test_corrupt_and_missing_files_give_a_sentence(tmp_path: Path) -> None:
    m = manifest(tmp_path, f'[mine]\npath = "mine.onnx"\nsha256 = "{sha(b"weights")}"\nlicence = "x"\n')
    with pytest.raises(ModelError, match="missing"):
        Assets(m).path("mine")
    (tmp_path / "models" / "mine.onnx").write_bytes(b"tampered")
    with pytest.raises(ModelError, match="corrupt"):
        Assets(m).path("mine")
    assert len(Assets(m).problems()) == 1


def test_a_checked_file_that_changes_later_is_checked_again(tmp_path: Path) -> None:
    m = manifest(tmp_path, f'[mine]\npath = "mine.onnx"\nsha256 = "{sha(b"weights")}"\nlicence = "x"\n')
    model = tmp_path / "models" / "mine.onnx"
    model.write_bytes(b"weights")
    Assets(m).path("mine")
    model.write_bytes(b"weightz")  # same size, new mtime
    with pytest.raises(ModelError, match="corrupt"):
        Assets(m).path("mine")


def test_unknown_model_and_wrong_package_version(tmp_path: Path) -> None:
    m = manifest(
        tmp_path,
        '[feat]\npackage = "openwakeword"\nversion = "9.9.9"\npath = "x.onnx"\nsha256 = "00"\nlicence = "x"\n',
    )
    with pytest.raises(ModelError, match="Unknown model 'nope'"):
        Assets(m).path("nope")
    with pytest.raises(ModelError, match=re.escape("pinned to openwakeword 9.9.9")):
        Assets(m).path("feat")


def test_split_models_are_joined_once_into_the_cache(tmp_path: Path) -> None:
    # parts come from packages; the shipped manifest's real LLM is tested by the local engine's tests
    real = Assets()
    spec = real.spec("llm_qwen05")
    assert len(spec.parts) == 6 and spec.sha256.startswith("1d9614638d18")
