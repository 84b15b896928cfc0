"""Weather (needs the network): a forecast from Open-Meteo (free, no key) for a place PAM can locate offline.

The place is found in the offline gazetteer, so only the forecast itself travels. With no connection
the tool answers "I can't get the weather without a connection." rather than failing the turn.
"""

from __future__ import annotations

from typing import Any, Literal

import requests
from pydantic import Field

from pam.tools.registry import Args, Tool, ToolContext, ToolFailed
from pam.tools.trips import resolve_place

NO_CONNECTION = "I can't get the weather without a connection."

# WMO weather interpretation codes, as Open-Meteo reports them.
_CONDITIONS = {
    0: "clear",
    1: "mostly clear",
    2: "partly cloudy",
    3: "overcast",
    45: "foggy",
    48: "foggy with rime",
    51: "light drizzle",
    53: "drizzle",
    55: "heavy drizzle",
    56: "freezing drizzle",
    57: "freezing drizzle",
    61: "light rain",
    63: "rain",
    65: "heavy rain",
    66: "freezing rain",
    67: "freezing rain",
    71: "light snow",
    73: "snow",
    75: "heavy snow",
    77: "snow grains",
    80: "rain showers",
    81: "rain showers",
    82: "violent rain showers",
    85: "snow showers",
    86: "heavy snow showers",
    95: "thunderstorms",
    96: "thunderstorms with hail",
    99: "thunderstorms with hail",
}


class Weather(Args):
    place: str = Field("", max_length=120, description="a town or saved place; empty = the home place")
    when: Literal["now", "today", "tomorrow"] = Field("today", description="current conditions or a day")


def fetch(url: str, lat: float, lon: float, units: str, timeout_s: float) -> dict[str, Any]:
    """The raw Open-Meteo forecast; connection problems become the one offline sentence."""
    imperial = units == "imperial"
    params: dict[str, str | float] = {
        "latitude": lat,
        "longitude": lon,
        "current": "temperature_2m,weather_code,wind_speed_10m",
        "daily": "weather_code,temperature_2m_max,temperature_2m_min,precipitation_probability_max",
        "temperature_unit": "fahrenheit" if imperial else "celsius",
        "wind_speed_unit": "mph" if imperial else "kmh",
        "timezone": "auto",
        "forecast_days": 2,
    }
    try:
        response = requests.get(url, params=params, timeout=timeout_s)
        response.raise_for_status()
        data = response.json()
    except (requests.ConnectionError, requests.Timeout) as err:
        raise ToolFailed(NO_CONNECTION) from err
    except (requests.RequestException, ValueError) as err:
        raise ToolFailed("The weather service gave no usable forecast; try again later.") from err
    if not isinstance(data, dict):
        raise ToolFailed("The weather service gave no usable forecast; try again later.")
    return data


def describe(data: dict[str, Any], place: str, when: str, units: str) -> dict[str, Any]:
    """Turn an Open-Meteo answer into the tool result (numbers plus one spoken sentence)."""
    speed = "miles an hour" if units == "imperial" else "kilometres an hour"
    try:
        if when == "now":
            cur = data["current"]
            temp, sky, wind = (
                round(cur["temperature_2m"]),
                _CONDITIONS.get(cur["weather_code"], ""),
                cur["wind_speed_10m"],
            )
            reply = f"In {place} it's {temp} degrees{' and ' + sky if sky else ''}, wind {round(wind)} {speed}."
            return {"place": place, "when": when, "temperature": temp, "conditions": sky, "wind": wind, "reply": reply}
        daily = data["daily"]
        i = 0 if when == "today" else 1
        high, low = round(daily["temperature_2m_max"][i]), round(daily["temperature_2m_min"][i])
        sky = _CONDITIONS.get(daily["weather_code"][i], "")
        rain = daily.get("precipitation_probability_max", [None, None])[i]
    except (KeyError, IndexError, TypeError) as err:
        raise ToolFailed("The weather service gave no usable forecast; try again later.") from err
    chance = f", {rain}% chance of rain" if rain is not None else ""
    reply = f"{when.capitalize()} in {place}: {sky + ', ' if sky else ''}high {high}, low {low}{chance}."
    return {
        "place": place,
        "when": when,
        "high": high,
        "low": low,
        "conditions": sky,
        "rain_chance": rain,
        "reply": reply,
    }


def weather(ctx: ToolContext, args: Weather) -> dict[str, Any]:
    name = args.place or ctx.config.home
    if not name:
        raise ToolFailed("Which place? Name a town, or set a home place in the settings.")
    place = resolve_place(ctx, name)
    data = fetch(ctx.config.weather_url, place.lat, place.lon, ctx.config.units, ctx.config.weather_timeout_s)
    return describe(data, place.name, args.when, ctx.config.units)


TOOLS = (
    Tool(
        "weather",
        "Current weather or today's/tomorrow's forecast for a place (needs a connection).",
        Weather,
        weather,
        timeout_s=10.0,
        needs_network=True,
        offline_error=NO_CONNECTION,
    ),
)
