"""bulk_create_from_template: many users, batches, skips, all or nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notify_admin.exceptions import TemplateChannelMissing, TemplateRenderError
from notify_admin.models import Notification, NotificationOptOut

CONTENT = {
    "email_subject": "Hi ((first_name))",
    "email_text": "Your code is ((code)).",
    "email_html": "<p>Code <b>((code))</b></p>",
    "sms_text": "Code ((code))",
}


@pytest.fixture
def bulk_people(make_user, make_record):
    users = []
    for n in range(12):
        user = make_user(username=f"p{n}", first_name=f"P{n}")
        make_record(user, "email")
        if n % 2 == 0:
            make_record(user, "twilio", address="+14155552671")
        users.append(user)
    return users


def test_rows_for_every_address_of_every_user(make_template, bulk_people):
    template = make_template(**CONTENT)
    result = Notification.objects.bulk_create_from_template(
        template,
        [(user, {"code": f"<{user.username}>"}) for user in bulk_people],
        batch_size=5,
        collect_ids=True,
    )
    assert (result.created, result.batches) == (18, 3)
    assert len(result.ids) == 18
    rows = Notification.objects.select_related(
        "user_target__user", "user_target__target"
    )
    assert rows.count() == 18
    version = template.versions.get()
    for row in rows:
        user = row.user_target.user
        assert row.template_version_id == version.pk
        assert row.status == Notification.SCHEDULED
        if row.user_target.target.notification_module_name == "email":
            assert row.title == f"Hi {user.first_name}"
            assert row.extra == {"html": f"<p>Code <b>&lt;{user.username}&gt;</b></p>"}
        else:
            assert (row.title, row.body) == (template.name, f"Code <{user.username}>")
            assert row.extra == {}


def test_a_fixed_number_of_statements_per_batch(make_template, bulk_people):
    template = make_template(**CONTENT)

    def statements(batch_size):
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            Notification.objects.bulk_create_from_template(
                template,
                bulk_people,
                personalisation={"code": "1"},
                batch_size=batch_size,
            )
        return len(captured.captured_queries)

    per_batch = statements(6) - statements(12)  # 2 batches vs 1
    assert per_batch == statements(4) - statements(6)  # 3 batches vs 2
    assert per_batch == 2  # records with their opt-outs, one INSERT


def test_opted_out_users_and_users_without_an_address_are_skipped(
    make_template, bulk_people, make_user
):
    template = make_template(**CONTENT)
    NotificationOptOut.objects.create(user=bulk_people[0], active=True)
    nobody = make_user(username="nobody")
    result = Notification.objects.bulk_create_from_template(
        template, [*bulk_people, nobody], personalisation={"code": "1"}
    )
    assert result.skipped == {
        "opted_out": [bulk_people[0].pk],
        "no_address": [nobody.pk],
    }
    assert not Notification.objects.filter(user_target__user=bulk_people[0]).exists()
    assert result.created == 16


def test_one_bad_recipient_creates_nothing_and_every_bad_one_is_named(
    make_template, bulk_people
):
    template = make_template(**CONTENT)
    recipients = [(user, {"code": "1"}) for user in bulk_people]
    recipients[3] = (bulk_people[3], {})
    recipients[10] = (bulk_people[10], {"code": "😀" * 80})
    with pytest.raises(TemplateRenderError) as caught:
        Notification.objects.bulk_create_from_template(
            template, recipients, batch_size=4
        )
    messages = [problem.message for problem in caught.value.problems]
    assert messages[0] == (
        "Nothing was created: 2 recipients' messages could not be rendered."
    )
    assert messages[1] == "p3: Missing personalisation: code"
    assert messages[2].startswith("p10: After substitution this SMS needs 3 segments")
    assert not Notification.objects.exists()


def test_asking_for_a_channel_the_template_lacks_fails_before_any_row(
    make_template, bulk_people
):
    template = make_template("email_only", email_subject="S", email_text="T")
    with pytest.raises(TemplateChannelMissing):
        Notification.objects.bulk_create_from_template(
            template, bulk_people, targets=["Twilio"]
        )
    assert not Notification.objects.exists()


def test_each_recipient_gets_their_language(make_template, bulk_people, settings):
    template = make_template(
        sms_text="Code ((code))", languages={"fr": {"sms_text": "Le code ((code))"}}
    )
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = lambda user: (
        "fr" if user.username == "p2" else None
    )
    Notification.objects.bulk_create_from_template(
        template, bulk_people, personalisation={"code": "9"}
    )
    bodies = dict(
        Notification.objects.values_list("user_target__user__username", "body")
    )
    assert bodies["p2"] == "Le code 9"
    assert bodies["p4"] == "Code 9"


def test_the_inserted_rows_keep_every_value(is_postgres, make_user, make_record):
    """What insert_rows writes reads back unchanged: varying and constant
    columns, times to the microsecond, JSON with quotes and unicode."""
    import datetime
    import uuid

    from django.utils import timezone

    users = [make_user() for _ in range(3)]
    records = [make_record(user) for user in users]
    when = timezone.now().replace(microsecond=123456)
    rows = [
        {
            "id": uuid.uuid4(),
            "user_target_id": record.pk,
            "title": f'Title "{n}" \\ ü',
            "body": f"Body\n{n}\t'quoted' 😀",
            "extra": {"html": f"<p a='{n}'>\"x\"</p>", "n": n, "nested": [None, True]},
            "scheduled_delivery": when + datetime.timedelta(microseconds=n),
            "max_retries": 3,
        }
        for n, record in enumerate(records)
    ]
    assert Notification.objects.insert_rows(rows) == 3
    for row in rows:
        saved = Notification.objects.get(pk=row["id"])
        for name in ("title", "body", "extra", "scheduled_delivery", "max_retries"):
            assert getattr(saved, name) == row[name], name
        assert saved.user_target_id == row["user_target_id"]
        assert (saved.status, saved.retry_attempts, saved.template_version_id) == (
            Notification.SCHEDULED,
            0,
            None,
        )
        assert saved.created is not None and saved.claim_token is None
