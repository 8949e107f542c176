"""The console's pages over HTTP: what they show, and that forms change state only as asked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from pagerd.domain.alert import AlertStatus
from pagerd.domain.channels import Channel
from pagerd.domain.dev_outbox import DevMessage
from pagerd.domain.service import ServiceStatus
from pagerd.service_layer.alerts import acknowledge
from pagerd.service_layer.policies import put_policy
from pagerd.service_layer.services import mark_healthy
from pagerd.testing.harness import level
from tests.e2e.browser.console_app import ConsoleApp, memory_factory, sqlite_factory


@pytest.fixture(params=["memory", "sqlite"])
def console(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ConsoleApp]:
    """The console on the in-memory unit of work and on a real SQLite file."""
    if request.param == "memory":
        yield ConsoleApp(memory_factory())
        return
    factory, dispose = sqlite_factory(f"sqlite:///{tmp_path / 'console.db'}")
    try:
        yield ConsoleApp(factory)
    finally:
        dispose()


@pytest.fixture
def memory_console() -> ConsoleApp:
    return ConsoleApp()


def two_level_form(token: str, **overrides: str) -> dict[str, str]:
    form = {
        "csrf_token": token,
        "levels-0-timeout": "300",
        "levels-0-targets-0-type": "email",
        "levels-0-targets-0-address": "first@example.com",
        "levels-1-timeout": "600",
        "levels-1-targets-0-type": "sms",
        "levels-1-targets-0-address": "+14155550123",
        "repeat": "1",
        "action": "save",
    }
    form.update(overrides)
    return form


def state(console: ConsoleApp, service_id: UUID) -> tuple[object, ...]:
    """Everything a console form could change about a service."""
    uow = console.uow()
    with uow:
        service = uow.services.get(service_id)
        policy = uow.policies.get_for_service(service_id)
        alerts = uow.alerts.list(50, service_id=service_id)
        names = sorted(s.name for s in uow.services.list(50))
    return service, policy, [(a.id, a.status) for a in alerts], names


def test_forms_posted_without_a_valid_csrf_token_change_nothing(console: ConsoleApp) -> None:
    client, token = console.signed_in_client()
    service_id = console.service()
    alert = console.alert(service_id)
    posts = {
        "/services": {"name": "payments"},
        f"/services/{service_id}/policy": two_level_form(""),
        f"/alerts/{alert.id}/acknowledge": {},
        f"/services/{service_id}/healthy": {},
        "/sign-out": {},
    }
    before = state(console, service_id)

    for path, fields in posts.items():
        for bad in ({}, {"csrf_token": ""}, {"csrf_token": token + "x"}):
            answer = client.post(path, data={**fields, "csrf_token": "", **bad})
            assert answer.status_code == 403, (path, bad)
            assert "Nothing was changed" in answer.text

    assert state(console, service_id) == before
    assert client.get("/alerts").status_code == 200  # still signed in


def test_another_sessions_token_is_not_accepted(memory_console: ConsoleApp) -> None:
    client, _ = memory_console.signed_in_client()
    _, other_token = memory_console.signed_in_client()

    answer = client.post("/services", data={"csrf_token": other_token, "name": "payments"})

    assert answer.status_code == 403


def test_services_are_listed_unhealthy_first_with_their_state_in_words(
    console: ConsoleApp,
) -> None:
    client, _ = console.signed_in_client()
    console.service("aaa-healthy")
    sick = console.service("zzz-sick")
    put_policy(console.uow(), sick, [level("oncall@example.com")])
    console.alert(sick, "disk full")

    html = client.get("/services").text

    assert html.index("zzz-sick") < html.index("aaa-healthy")
    assert "1 of 2 services unhealthy" in html
    assert re.search(r"badge-unhealthy.*?Unhealthy", html, re.S)
    assert "Open alert: disk full" in html
    assert "No escalation policy: alerts page nobody." in html  # aaa-healthy has none


def test_creating_a_service_leads_to_its_page(console: ConsoleApp) -> None:
    client, token = console.signed_in_client()

    answer = client.post("/services", data={"csrf_token": token, "name": "  payments  "})

    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert "<h1>payments</h1>" in page.text
    assert "Service created." in page.text


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "taken"])
def test_a_bad_service_name_says_why_and_creates_nothing(
    memory_console: ConsoleApp, name: str
) -> None:
    memory_console.service("taken")
    client, token = memory_console.signed_in_client()

    answer = client.post("/services", data={"csrf_token": token, "name": name})

    assert answer.status_code == 422
    assert 'aria-invalid="true"' in answer.text
    assert 'class="field-error" id="name-error"' in answer.text
    uow = memory_console.uow()
    with uow:
        assert [s.name for s in uow.services.list(10)] == ["taken"]


def test_the_policy_editor_saves_a_two_level_policy(console: ConsoleApp) -> None:
    client, token = console.signed_in_client()
    service_id = console.service()

    answer = client.post(f"/services/{service_id}/policy", data=two_level_form(token))

    assert answer.status_code == 303
    uow = console.uow()
    with uow:
        policy = uow.policies.get_for_service(service_id)
    assert policy is not None
    assert [lv.ack_timeout.total_seconds() for lv in policy.levels] == [300, 600]
    assert [(t.channel, t.address) for lv in policy.levels for t in lv.targets] == [
        (Channel.EMAIL, "first@example.com"),
        (Channel.SMS, "+14155550123"),
    ]
    assert policy.repeat == 1
    page = client.get(answer.headers["location"]).text
    assert 'value="first@example.com"' in page
    assert "Escalation policy saved." in page


def test_the_policy_editor_names_every_bad_field_and_saves_nothing(console: ConsoleApp) -> None:
    client, token = console.signed_in_client()
    service_id = console.service()
    form = two_level_form(
        token,
        **{
            "levels-0-timeout": "soon",
            "levels-0-targets-0-address": "not-an-email",
            "levels-1-targets-0-address": "12345",
            "repeat": "12",
        },
    )

    answer = client.post(f"/services/{service_id}/policy", data=form)

    assert answer.status_code == 422
    html = answer.text
    assert "4 problems" in html
    for field, message in [
        ("levels-0-timeout", "must be a whole number of seconds"),
        ("levels-0-targets-0-address", "must be an e-mail address"),
        ("levels-1-targets-0-address", "must be an E.164 phone number"),
        ("repeat", "must be between 0 and 9"),
    ]:
        assert re.search(rf'id="{field}-error"><span aria-hidden="true">!</span> {message}', html)
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html, re.S)
        assert f'href="#{field}"' in html
    assert 'value="not-an-email"' in html  # what was typed stays, to be corrected
    assert state(console, service_id)[1] is None


def test_a_level_without_targets_is_refused_with_its_message(memory_console: ConsoleApp) -> None:
    client, token = memory_console.signed_in_client()
    service_id = memory_console.service()
    form = {"csrf_token": token, "levels-0-timeout": "60", "repeat": "0", "action": "save"}

    answer = client.post(f"/services/{service_id}/policy", data=form)

    assert answer.status_code == 422
    assert "Level 1, targets: must have at least one target" in answer.text


def test_editing_actions_change_the_draft_but_store_nothing(memory_console: ConsoleApp) -> None:
    client, token = memory_console.signed_in_client()
    service_id = memory_console.service()
    path = f"/services/{service_id}/policy"

    added = client.post(path, data=two_level_form(token, action="add_target:0"))
    moved = client.post(path, data=two_level_form(token, action="level_down:0"))

    assert added.status_code == moved.status_code == 200
    assert 'id="levels-0-targets-1-address"' in added.text
    assert re.search(r'id="levels-0-targets-1-address"[^>]*autofocus', added.text, re.S)
    assert "Changes not saved yet" in added.text
    assert moved.text.index("+14155550123") < moved.text.index("first@example.com")
    assert state(memory_console, service_id)[1] is None


def test_alerts_are_listed_open_first_then_acknowledged_then_resolved(
    console: ConsoleApp,
) -> None:
    client, _ = console.signed_in_client()
    resolved, acked, still_open = (console.service(n) for n in ("svc-r", "svc-a", "svc-o"))
    console.alert(resolved, "resolved one")
    mark_healthy(console.uow(), console.clock, resolved)
    console.clock.advance(1)
    acked_alert = console.alert(acked, "acknowledged one")
    acknowledge(console.uow(), console.clock, acked_alert.id, "bob")
    console.clock.advance(1)
    console.alert(still_open, "open one")

    html = client.get("/alerts").text

    assert html.index("open one") < html.index("acknowledged one") < html.index("resolved one")
    assert "acknowledged by bob" in html
    live = client.get("/alerts/live")
    assert live.status_code == 200
    assert "<html" not in live.text
    assert 'data-open-count="1"' in live.text


def test_alerts_filter_by_status_and_by_service(memory_console: ConsoleApp) -> None:
    client, _ = memory_console.signed_in_client()
    one, two = memory_console.service("one"), memory_console.service("two")
    memory_console.alert(one, "alert of one")
    memory_console.alert(two, "alert of two")
    mark_healthy(memory_console.uow(), memory_console.clock, two)

    by_status = client.get("/alerts?status=resolved").text
    by_service = client.get(f"/alerts?service={one}").text

    assert "alert of two" in by_status
    assert "alert of one" not in by_status
    assert "alert of one" in by_service
    assert "alert of two" not in by_service
    assert f'data-live-src="/alerts/live?service={one}"' in by_service


@pytest.mark.parametrize("query", ["status=closed", "service=nope", "cursor=abc", "cursor=x_y"])
def test_an_unknown_filter_is_a_400(memory_console: ConsoleApp, query: str) -> None:
    client, _ = memory_console.signed_in_client()

    assert client.get(f"/alerts?{query}").status_code == 400


def test_an_alert_page_shows_its_timeline_and_each_pages_delivery(console: ConsoleApp) -> None:
    client, _ = console.signed_in_client()
    service_id = console.service()
    put_policy(
        console.uow(),
        service_id,
        [level("first@example.com", timeout=60), level("+14155550123", timeout=60)],
    )
    alert = console.alert(service_id, "checkout answers 500")
    console.run_workers()
    console.advance(60)

    html = client.get(f"/alerts/{alert.id}").text

    assert "Alert opened: “checkout answers 500”" in html
    assert "Paged level 1: first@example.com (email)." in html
    assert "Paged level 2: +14155550123 (sms)." in html
    assert html.count("badge-sent") == 2
    assert 'data-live-src="/alerts/' in html


def test_acknowledging_from_the_console_records_who_and_stops_escalation(
    console: ConsoleApp,
) -> None:
    client, token = console.signed_in_client()
    service_id = console.service()
    put_policy(console.uow(), service_id, [level("a@example.com"), level("b@example.com")])
    alert = console.alert(service_id)

    answer = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})

    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "Acknowledged by alice. Escalation stopped." in page
    assert "Alert acknowledged." in page
    uow = console.uow()
    with uow:
        stored = uow.alerts.get(alert.id)
        timer = uow.timers.pending_for_alert(alert.id)
    assert stored is not None
    assert stored.status is AlertStatus.ACKNOWLEDGED
    assert stored.acknowledged_by == "alice"
    assert timer is None


def test_acknowledging_a_resolved_alert_says_it_is_resolved(memory_console: ConsoleApp) -> None:
    client, token = memory_console.signed_in_client()
    service_id = memory_console.service()
    alert = memory_console.alert(service_id)
    mark_healthy(memory_console.uow(), memory_console.clock, service_id)

    answer = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})

    assert answer.status_code == 409
    assert "already resolved" in answer.text


def test_marking_a_service_healthy_resolves_its_alert_and_returns_to_the_alert(
    console: ConsoleApp,
) -> None:
    client, token = console.signed_in_client()
    service_id = console.service()
    alert = console.alert(service_id)
    data = {"csrf_token": token, "next": f"/alerts/{alert.id}"}

    answer = client.post(f"/services/{service_id}/healthy", data=data)

    assert answer.headers["location"] == f"/alerts/{alert.id}?done=healthy"
    page = client.get(answer.headers["location"]).text
    assert "Resolved: the service was marked healthy." in page
    service = state(console, service_id)[0]
    assert getattr(service, "status", None) is ServiceStatus.HEALTHY


@pytest.mark.parametrize("path", ["/alerts/{id}", "/services/{id}", "/alerts/not-an-id"])
def test_an_unknown_id_is_a_404_page(memory_console: ConsoleApp, path: str) -> None:
    client, _ = memory_console.signed_in_client()

    answer = client.get(path.format(id=uuid4()))

    assert answer.status_code == 404
    assert "does not exist" in answer.text


def test_the_dev_outbox_shows_each_message_with_its_body(memory_console: ConsoleApp) -> None:
    client, _ = memory_console.signed_in_client()
    uow = memory_console.uow()
    with uow:
        for n in range(51):
            uow.dev_outbox.add(
                DevMessage(
                    uuid4(),
                    Channel.EMAIL,
                    "oncall@example.com",
                    f"[pagerd] message {n}",
                    f"Body {n}\n<script>alert(1)</script>",
                    uuid4(),
                    memory_console.clock.advance(1),
                )
            )
        uow.commit()

    first = client.get("/outbox").text
    older = re.search(r'href="(/outbox\?cursor=[^"]+)"', first)

    assert "[pagerd] message 50" in first
    assert "[pagerd] message 0<" not in first
    assert "Body 50\n&lt;script&gt;alert(1)&lt;/script&gt;" in first
    assert older is not None
    assert "[pagerd] message 0<" in client.get(older[1].replace("&amp;", "&")).text


def test_a_form_posted_after_the_session_ended_changes_nothing_and_leads_back_to_its_page(
    memory_console: ConsoleApp,
) -> None:
    client, token = memory_console.signed_in_client()
    service_id = memory_console.service()
    alert = memory_console.alert(service_id)
    memory_console.clock.advance(13 * 3600)

    answer = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token})

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/sign-in?expired=1&next=%2Falerts%2F{alert.id}"
    assert "nothing was changed" in client.get(answer.headers["location"]).text
    assert state(memory_console, service_id)[2] == [(alert.id, AlertStatus.OPEN)]


def test_a_service_page_says_how_its_alerts_become_incidents_and_which_page(
    console: ConsoleApp,
) -> None:
    from pagerd.domain.service import IncidentGrouping
    from pagerd.domain.severity import Severity
    from pagerd.service_layer.services import update_service

    client, _ = console.signed_in_client()
    service_id = console.service("payments")
    update_service(console.uow(), service_id, None, IncidentGrouping.DEDUP_KEY, Severity.ERROR)

    html = client.get(f"/services/{service_id}").text

    assert "one incident per dedup key" in html
    assert "error and worse; lower ones are recorded and page nobody" in html
