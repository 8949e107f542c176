"""A user's shifts as an iCalendar feed at a secret URL, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

from icalendar import Calendar

from tests.e2e.conftest import Api
from tests.e2e.test_api_schedules import FRIDAY, create, user, weekly


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_users_feed_lists_their_shifts_of_every_schedule_as_icalendar(api: Api) -> None:
    api.clock.advance(FRIDAY - api.clock.now())
    alice, bob = user(api, "alice"), user(api, "bob")
    create(api, [weekly([alice, bob])], name="Primary")
    create(api, [weekly([bob, alice])], name="Secondary")

    made = api.post(f"/api/v1/users/{alice}/calendar-feed")
    assert made.status_code == 201, made.text
    path = made.json()["url"].removeprefix(api.container.public_url)
    answer = api.client.get(path)  # no Authorization: the token is the key

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/calendar")
    feed = Calendar.from_ical(answer.content)
    events = [
        (str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in feed.walk("VEVENT")
    ]
    # Berlin weeks from Monday 09:00 (08:00 UTC in winter); the feed starts 14 days back.
    assert events[:4] == [
        ("On call: Primary", at(11, 13, 12), at(11, 16, 8)),
        ("On call: Secondary", at(11, 16, 8), at(11, 23, 8)),
        ("On call: Primary", at(11, 23, 8), at(11, 30, 8)),
        ("On call: Secondary", at(11, 30, 8), at(12, 7, 8)),
    ]
    assert len({str(e["uid"]) for e in feed.walk("VEVENT")}) == len(events)
    assert str(feed["version"]) == "2.0"


def test_a_new_feed_url_replaces_the_old_one_and_unknown_tokens_are_404(api: Api) -> None:
    alice = user(api, "alice")
    first = api.post(f"/api/v1/users/{alice}/calendar-feed").json()["url"]
    second = api.post(f"/api/v1/users/{alice}/calendar-feed").json()["url"]
    base = api.container.public_url

    assert api.client.get(first.removeprefix(base)).status_code == 404
    assert api.client.get(second.removeprefix(base)).status_code == 200
    assert api.client.get("/calendar/not-a-token.ics").status_code == 404
    unknown = "/api/v1/users/6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f/calendar-feed"
    assert api.post(unknown).status_code == 404
