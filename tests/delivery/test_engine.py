"""The delivery engine: claims, leases, outcomes, runs, send now."""

import gc
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notify_admin.delivery import RunResult, deliver_due, send_now
from notify_admin.models import (
    DeliveryAttempt,
    DeliveryRun,
    Notification,
    NotificationOptOut,
    NotificationTarget,
)

pytestmark = pytest.mark.django_db


def refresh(notification):
    notification.refresh_from_db()
    return notification


def test_due_email_is_delivered_once_with_an_attempt_row(due):
    notification = due()
    result = deliver_due()
    assert (result.claimed, result.delivered) == (1, 1)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.subject == "Hello"
    assert sent.to == [notification.user_target.target_user_id]
    notification = refresh(notification)
    assert notification.status == Notification.DELIVERED
    assert notification.attempted_delivery is not None
    assert notification.claim_token is None and notification.claimed_until is None
    attempt = notification.attempts.get()
    assert attempt.outcome == Notification.DELIVERED
    assert attempt.provider_id == sent.extra_headers["Message-ID"]
    # Nothing is due any more: a second run sends nothing.
    assert deliver_due().claimed == 0
    assert len(mail.outbox) == 1


def test_future_and_leased_rows_are_not_sent(due):
    future = due(scheduled_delivery=timezone.now() + timedelta(hours=1))
    leased = due()
    Notification.objects.filter(pk=leased.pk).update(
        claim_token="00000000-0000-0000-0000-000000000001",
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    assert deliver_due().claimed == 0
    assert refresh(future).status == Notification.SCHEDULED
    assert mail.outbox == []


def test_expired_lease_makes_a_row_due_again(due):
    leased = due()
    Notification.objects.filter(pk=leased.pk).update(
        claim_token="00000000-0000-0000-0000-000000000001",
        claimed_until=timezone.now() - timedelta(seconds=1),
    )
    assert deliver_due().delivered == 1
    assert refresh(leased).status == Notification.DELIVERED


def test_html_alternative_rendered_from_template(due, tmp_path, settings):
    (tmp_path / "hello.html").write_text("<p>Hi {{ name }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    due(extra={"template_name": "hello.html", "name": "Ada"})
    deliver_due()
    ((html, mimetype),) = mail.outbox[0].alternatives
    assert mimetype == "text/html" and html == "<p>Hi Ada</p>"


def test_missing_template_fails_that_row_only(due):
    bad = due(extra={"template_name": "no/such/template.html"})
    good = due()
    result = deliver_due()
    assert (result.delivered, result.failed) == (1, 1)
    assert refresh(bad).status == Notification.DELIVERY_FAILURE
    assert refresh(good).status == Notification.DELIVERED
    assert "TemplateDoesNotExist" in bad.attempts.get().error_message


def test_inactive_record_gives_inactive_device(due, make_user, make_record):
    record = make_record(make_user(), "email")
    notification = due(record=record)
    record.active = False
    record.save()
    result = deliver_due()
    assert result.inactive == 1
    assert refresh(notification).status == Notification.INACTIVE_DEVICE
    assert refresh(notification).attempted_delivery is not None
    assert mail.outbox == []


def test_opted_out_users_claimed_rows_become_opted_out(due, make_user):
    notification = due()
    user = notification.user_target.user
    # A bulk-created opt-out skips save(): the engine must still honour it.
    NotificationOptOut.objects.bulk_create([NotificationOptOut(user=user, active=True)])
    result = deliver_due()
    assert result.opted_out == 1
    assert refresh(notification).status == Notification.OPTED_OUT
    assert mail.outbox == []


def test_unknown_module_is_recorded_not_raised(due, make_user):
    target = NotificationTarget.objects.create(
        name="Pigeon", notification_module_name="pigeon"
    )
    from notify_admin.models import TargetUserRecord

    record = TargetUserRecord.objects.create(
        user=make_user(), target=target, target_user_id="coop 7"
    )
    bad = due(record=record)
    good = due()
    result = deliver_due()
    assert (result.delivered, result.failed) == (1, 1)
    assert refresh(bad).status == Notification.DELIVERY_FAILURE
    attempt = bad.attempts.get()
    assert attempt.error_code == "unknown_channel"
    assert "pigeon" in attempt.error_message
    assert refresh(good).status == Notification.DELIVERED


def test_limit_and_target(due):
    for _ in range(3):
        due()
    sms = due(module="twilio")
    result = deliver_due(limit=2, target="Email", batch_size=1)
    assert result.claimed == 2
    assert Notification.objects.filter(status=Notification.DELIVERED).count() == 2
    assert refresh(sms).status == Notification.SCHEDULED


def test_dry_run_changes_nothing(due):
    due()
    due()
    result = deliver_due(dry_run=True)
    assert result.claimed == 2
    assert Notification.objects.filter(status=Notification.SCHEDULED).count() == 2
    assert not DeliveryRun.objects.exists()
    assert mail.outbox == []


def test_run_row_written(due):
    due()
    deliver_due(source="test")
    run = DeliveryRun.objects.get()
    assert run.source == "test" and run.finished_at is not None
    assert (run.claimed, run.delivered, run.error) == (1, 1, "")
    assert run.pid and run.host


def test_run_result_summary_and_dict():
    result = RunResult(delivered=3, retried=1, seconds=0.123)
    assert result.summary() == (
        "delivered=3 retry=1 failed=0 inactive=0 opted_out=0 skipped=0 in 0.12s"
    )
    assert result.as_dict()["delivered"] == 3


def test_send_now_accepts_any_queryset(due):
    for _ in range(3):
        due()
    selected = Notification.objects.select_related("user_target").order_by("pk")[:2]
    assert send_now(selected).delivered == 2


def test_send_now_sends_selected_open_and_failed_rows(due):
    future = due(scheduled_delivery=timezone.now() + timedelta(days=1))
    failed = due(
        status=Notification.DELIVERY_FAILURE, attempted_delivery=timezone.now()
    )
    delivered = due(status=Notification.DELIVERED, attempted_delivery=timezone.now())
    leased = due()
    Notification.objects.filter(pk=leased.pk).update(
        claim_token="00000000-0000-0000-0000-000000000001",
        claimed_until=timezone.now() + timedelta(minutes=5),
    )
    untouched = due()
    result = send_now(
        Notification.objects.filter(
            pk__in=[future.pk, failed.pk, delivered.pk, leased.pk]
        )
    )
    assert (result.delivered, result.skipped) == (2, 2)
    assert refresh(future).status == Notification.DELIVERED
    assert refresh(failed).status == Notification.DELIVERED
    assert refresh(leased).status == Notification.SCHEDULED
    assert refresh(untouched).status == Notification.SCHEDULED
    assert len(mail.outbox) == 2
    assert DeliveryRun.objects.get().source == "admin"


def _count_statements(due, n, batch_size):
    for _ in range(n):
        due()
    with CaptureQueriesContext(connection) as queries:
        result = deliver_due(batch_size=batch_size)
    assert result.delivered == n
    return len(queries)


def test_statements_per_batch_do_not_grow_with_batch_size(due):
    small = _count_statements(due, 10, batch_size=10)
    Notification.objects.all().delete()
    # 100 rows stay within SQLite's 999 bound parameters per INSERT, so the
    # attempt rows are one statement on every database.
    large = _count_statements(due, 100, batch_size=100)
    assert large == small


def test_statements_per_notification_at_default_batch_size(due):
    statements = _count_statements(due, 500, batch_size=None)
    assert statements / 500 <= 0.05


def test_a_run_that_breaks_records_its_error(due, monkeypatch):
    due()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("notify_admin.delivery.recording.record", broken)
    with pytest.raises(RuntimeError):
        deliver_due()
    run = DeliveryRun.objects.get()
    assert run.error == "RuntimeError: disk full"
    assert run.finished_at is not None and run.claimed == 1


# -- the pipeline: one batch in its channel while the next is claimed ---------


def test_next_batch_is_claimed_while_a_batch_is_being_sent(due, monkeypatch):
    from notify_admin.delivery import claims, sending

    for _ in range(3):
        due()
    events = []
    second_claim = threading.Event()
    real_claim, real_send = claims.claim_due, sending.RunChannels.send_group

    def claim(*args, **kwargs):
        token, rows = real_claim(*args, **kwargs)
        events.append(("claim", len(rows)))
        if len(events) > 1:
            second_claim.set()
        return token, rows

    def send(self, module_name, rows):
        # The first batch waits in its channel until the next one is claimed:
        # a run that claimed only after sending would wait the whole timeout.
        events.append(("send", len(rows), second_claim.wait(timeout=5)))
        return real_send(self, module_name, rows)

    monkeypatch.setattr(claims, "claim_due", claim)
    monkeypatch.setattr(sending.RunChannels, "send_group", send)
    result = deliver_due(batch_size=1)
    assert result.delivered == 3
    assert events[:3] == [("claim", 1), ("claim", 1), ("send", 1, True)]
    assert len(mail.outbox) == 3


def test_a_batch_is_recorded_before_the_next_one_is_sent(due, monkeypatch):
    from notify_admin.delivery import recording, sending

    for _ in range(3):
        due()
    recorded = []
    sends = []
    real_record, real_send = recording.record, sending.RunChannels.send_group

    def record(batch, *args, **kwargs):
        # Slow enough that a send started alongside it would be seen.
        time.sleep(0.05)
        real_record(batch, *args, **kwargs)
        recorded.append(len(batch.rows))

    def send(self, module_name, rows):
        sends.append(len(recorded))
        return real_send(self, module_name, rows)

    monkeypatch.setattr(recording, "record", record)
    monkeypatch.setattr(sending.RunChannels, "send_group", send)
    assert deliver_due(batch_size=1).delivered == 3
    # Each send starts once every batch before it is written: if the database
    # went away, only the batch in flight would be left sent but unrecorded
    # (and so sent again after its lease).
    assert sends == [0, 1, 2]
    assert recorded == [1, 1, 1]


def test_a_run_that_fails_claiming_still_records_the_batch_it_sent(due, monkeypatch):
    from notify_admin.delivery import claims as claiming

    first, second = due(), due()
    real_claim = claiming.claim_due
    claims = []

    def claim(*args, **kwargs):
        claims.append(1)
        if len(claims) == 2:
            raise OperationalError("database is locked")
        return real_claim(*args, **kwargs)

    monkeypatch.setattr(claiming, "claim_due", claim)
    with pytest.raises(OperationalError):
        deliver_due(batch_size=1)
    sent = [n for n in (refresh(first), refresh(second)) if n.status != "SCHEDULED"]
    # The batch that went out is recorded and released; the other is untouched.
    assert len(sent) == 1 and len(mail.outbox) == 1
    assert sent[0].status == Notification.DELIVERED and sent[0].claim_token is None
    assert DeliveryAttempt.objects.count() == 1
    run = DeliveryRun.objects.get()
    assert run.error == "OperationalError: database is locked" and run.delivered == 1


@pytest.mark.parametrize("mixed", [False, True], ids=["all-delivered", "mixed"])
def test_a_row_another_worker_took_over_is_left_to_it(due, monkeypatch, mixed):
    """Recording touches only rows still holding the batch's claim token,
    whether the batch ended one way (one UPDATE by token) or several."""
    from notify_admin.delivery import recording

    rows = [due() for _ in range(3)]
    if mixed:
        rows.append(due(extra={"template_name": "missing.html"}))
    taken = rows[0]
    other = "00000000-0000-0000-0000-0000000000ff"
    real_record = recording.record

    def record(*args, **kwargs):
        # The lease ran out while the batch was being sent, and another
        # worker claimed this row before the outcomes were written.
        Notification.objects.filter(pk=taken.pk).update(claim_token=other)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(recording, "record", record)
    deliver_due()
    taken = refresh(taken)
    assert taken.status == Notification.SCHEDULED
    assert str(taken.claim_token) == other
    for row in rows[1:3]:
        assert refresh(row).status == Notification.DELIVERED
    if mixed:
        assert refresh(rows[3]).status == Notification.DELIVERY_FAILURE


def test_attempt_rows_keep_every_value_as_given(due):
    """insert_attempts (arrays through unnest() on PostgreSQL, a VALUES list
    elsewhere) stores text and JSON exactly, whatever they contain."""
    from notify_admin.delivery import insert_attempts

    first, second = due(), due()
    at = timezone.now().replace(microsecond=0)
    awkward = 'ünïcode, comma, {braces}, "quotes", \\backslash\\ and NULL'
    response = {"at": at, "nested": [1, {"x": None}], "text": awkward}
    insert_attempts(
        [
            (first.pk, "DELIVERED", "a@example.com", "id-1", "", "", {}),
            (second.pk, "RETRY", awkward[:200], "", "421", awkward, response),
        ],
        at,
    )
    rows = {a.notification_id: a for a in DeliveryAttempt.objects.all()}
    plain, odd = rows[first.pk], rows[second.pk]
    assert (plain.outcome, plain.address, plain.provider_id) == (
        "DELIVERED",
        "a@example.com",
        "id-1",
    )
    assert plain.response == {} and plain.attempted_at == at
    assert (odd.outcome, odd.address, odd.error_code) == ("RETRY", awkward, "421")
    assert odd.error_message == awkward
    # JSON as DjangoJSONEncoder writes it: the datetime becomes its ISO text.
    assert odd.response == {
        "at": at.isoformat().replace("+00:00", "Z"),
        "nested": [1, {"x": None}],
        "text": awkward,
    }


# -- the run row: attempts point at it, its counters follow the run -----------


def test_attempts_name_their_run_and_run_id_is_returned(due):
    first, second = due(), due()
    result = deliver_due(batch_size=1)
    run = DeliveryRun.objects.get()
    assert result.run_id == run.pk
    assert set(run.attempts.values_list("notification_id", flat=True)) == {
        first.pk,
        second.pk,
    }
    # A second run's attempts belong to that run, not the first.
    third = due()
    later = send_now(Notification.objects.filter(pk=third.pk))
    assert later.run_id != run.pk
    assert list(
        DeliveryAttempt.objects.filter(run_id=later.run_id).values_list(
            "notification_id", flat=True
        )
    ) == [third.pk]


def test_attempts_outlive_their_run(due):
    due()
    deliver_due()
    DeliveryRun.objects.all().delete()
    attempt = DeliveryAttempt.objects.get()
    assert attempt.run_id is None


def test_dry_run_has_no_run_id(due):
    due()
    assert deliver_due(dry_run=True).run_id is None


def test_run_row_counts_each_batch_as_it_is_recorded(due, monkeypatch):
    """A page polling the run row sees its counters grow batch by batch."""
    from notify_admin.delivery import recording

    for _ in range(3):
        due()
    seen = []
    real_record = recording.record

    def record(batch, result, cutoff):
        real_record(batch, result, cutoff)
        run = DeliveryRun.objects.get(pk=result.run_id)
        seen.append((run.delivered, run.finished_at is None))

    monkeypatch.setattr(recording, "record", record)
    deliver_due(batch_size=1)
    assert seen == [(1, True), (2, True), (3, True)]
    run = DeliveryRun.objects.get()
    assert (run.claimed, run.delivered) == (3, 3) and run.finished_at is not None


class InterpreterSeen(locmem.EmailBackend):
    """Records the interpreter's settings while a run sends."""

    seen = []

    def send_messages(self, messages):
        InterpreterSeen.seen.append((sys.getswitchinterval(), gc.get_threshold()))
        return super().send_messages(messages)


@pytest.fixture
def interpreter_seen(settings):
    settings.EMAIL_BACKEND = f"{__name__}.InterpreterSeen"
    InterpreterSeen.seen.clear()
    before = (sys.getswitchinterval(), gc.get_threshold())
    yield InterpreterSeen.seen
    sys.setswitchinterval(before[0])
    gc.set_threshold(*before[1])


def test_a_run_tunes_the_interpreter_while_it_lasts_then_restores_it(
    due, interpreter_seen
):
    before = (sys.getswitchinterval(), gc.get_threshold())
    due()
    assert deliver_due().delivered == 1
    ((switch, threshold),) = interpreter_seen
    # The short GIL switch interval and the collector's larger first
    # threshold (pipeline.tune_interpreter), the older generations untouched.
    assert switch <= 0.0005 < before[0]
    assert threshold == (10_000, *before[1][1:])
    assert (sys.getswitchinterval(), gc.get_threshold()) == before


def test_a_host_that_turned_the_collector_off_keeps_it_off(due, interpreter_seen):
    gc.set_threshold(0)
    due()
    assert deliver_due().delivered == 1
    assert interpreter_seen[0][1][0] == 0
    assert gc.get_threshold()[0] == 0
