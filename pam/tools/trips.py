"""Trip tools: save places, distance and drive time between places, the trip's upcoming stops."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from pydantic import Field, field_validator

from pam.store import userdata
from pam.store.userdata import Place
from pam.tools import geo, say
from pam.tools.registry import Args, Tool, ToolContext, ToolFailed
from pam.tools.when import check_day, resolve_day

_HOME_WORDS = ("home", "here", "home base")


def resolve_place(ctx: ToolContext, name: str) -> Place:
    """A saved place by its name, "home" from the settings, or a town from the offline gazetteer.

    The returned place's ``name`` is how PAM says it: "base camp", or "Moab, UT" for a town.
    """
    wanted = geo.key(name)
    saved = userdata.saved_place(ctx.store, wanted)
    if saved:
        return saved
    if wanted in _HOME_WORDS and ctx.config.home:
        return resolve_place(ctx, ctx.config.home)
    found = geo.gazetteer().find(name)
    if found is None:
        raise ToolFailed(f"I don't know where {name.strip().title()} is; try adding the state, like 'Moab, Utah'.")
    return replace(found, name=geo.gazetteer().label(found))


class SavePlace(Args):
    name: str = Field(min_length=1, max_length=80, description="what to call the place, e.g. 'base camp'")
    location: str = Field("", max_length=120, description="the town it is in; empty when name is a town")


def save_place(ctx: ToolContext, args: SavePlace) -> dict[str, Any]:
    where = resolve_place(ctx, args.location or args.name)
    place = replace(where, name=args.name.strip(), key=geo.key(args.name))
    userdata.save_place(ctx.store, place, ctx.now().timestamp())
    suffix = "" if geo.key(where.name).startswith(place.key) else f" ({where.name})"
    return {"name": place.name, "lat": place.lat, "lon": place.lon, "reply": f"Saved {place.name}{suffix}."}


class Route(Args):
    destination: str = Field(min_length=1, max_length=120, description="where to go: a saved place or a town")
    origin: str = Field("", max_length=120, description="where from; empty = the home place")


def route(ctx: ToolContext, args: Route) -> dict[str, Any]:
    start_name = args.origin or ctx.config.home
    if not start_name:
        raise ToolFailed("Where from? Say 'from Moab to Denver', or set a home place in the settings.")
    start = resolve_place(ctx, start_name)
    end = resolve_place(ctx, args.destination)
    trip = geo.leg(start, end, ctx.config.road_factor, ctx.config.average_speed_kmh)
    reply = (
        f"From {start.name} to {end.name} is {say.distance(trip.road_km, ctx.config.units)} by road, "
        f"around {say.drive_time(trip.hours)} of driving."
    )
    return {
        "origin": start.name,
        "destination": end.name,
        "straight_km": round(trip.straight_km, 1),
        "road_km": round(trip.road_km, 1),
        "road_miles": round(trip.road_km / geo.KM_PER_MILE, 1),
        "drive_hours": round(trip.hours, 2),
        "reply": reply,
    }


class AddStop(Args):
    place: str = Field(min_length=1, max_length=120, description="a saved place or a town")
    date: str = Field("", description="'today', 'tomorrow', YYYY-MM-DD or empty when not planned yet")

    @field_validator("date")
    @classmethod
    def known_day(cls, value: str) -> str:
        return check_day(value) if value.strip() else ""


def add_stop(ctx: ToolContext, args: AddStop) -> dict[str, Any]:
    place = resolve_place(ctx, args.place)
    today = ctx.now().date()
    day = resolve_day(args.date, today) if args.date else None
    if day and day < today:
        raise ToolFailed(f"{day.isoformat()} has passed; give a date from today on.")
    stop = userdata.add_stop(ctx.store, place, day.isoformat() if day else "", "", ctx.now().timestamp())
    when = f" for {say.day(day, today)}" if day else ""
    return {"id": stop.id, "place": place.name, "day": stop.day, "reply": f"Added {place.name} to the trip{when}."}


class ListStops(Args):
    pass


def list_stops(ctx: ToolContext, args: ListStops) -> dict[str, Any]:
    today = ctx.now().date()
    upcoming = userdata.upcoming_stops(ctx.store, today.isoformat())
    if not upcoming:
        return {"stops": [], "reply": "There are no upcoming stops on the trip."}
    spoken = [s.name + (f" {say.on_day(date.fromisoformat(s.day), today)}" if s.day else "") for s in upcoming[:5]]
    reply = "Next: " + ", then ".join(spoken) + "."
    return {"stops": [{"name": s.name, "day": s.day, "lat": s.lat, "lon": s.lon} for s in upcoming], "reply": reply}


TOOLS = (
    Tool("save_place", "Save a named place (a town, or a name for a town) for later routes.", SavePlace, save_place),
    Tool(
        "route",
        "Road distance and drive time between two places (estimated offline from coordinates).",
        Route,
        route,
    ),
    Tool("add_stop", "Add a stop to the trip, optionally on a date.", AddStop, add_stop),
    Tool("list_stops", "List the trip's upcoming stops.", ListStops, list_stops),
)
