"""Compose "from template" in the user admin: a field per placeholder, then
one rendered row per address, pinned to the template version."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from notify_admin.models import Notification, NotificationOptOut

User = get_user_model()


@pytest.fixture
def compose_audience(make_user, make_record):
    ann = make_user(username="ann", first_name="Ann")
    make_record(ann)
    make_record(ann, "twilio")
    bob = make_user(username="bob", first_name="Bob")
    make_record(bob)
    out = make_user(username="out")
    make_record(out)
    NotificationOptOut.objects.create(user=out, active=True)
    return [ann, bob, out]


@pytest.fixture
def maintenance(make_template):
    return make_template(
        "maintenance",
        name="Maintenance",
        example={"when": "tonight 22:00"},
        email_subject="Maintenance ((when))",
        email_text="Hi ((first_name)), the service is down ((when)).",
        sms_text="Down ((when))",
    )


def compose(client, post_action, users, **data):
    return post_action(client, User, "notify_compose", users, **data)


def test_choosing_a_template_first_shows_its_fields_with_the_examples(
    admin_client, compose_audience, maintenance, post_action
):
    page = compose(
        admin_client,
        post_action,
        compose_audience,
        confirm="yes",
        template=maintenance.pk,
    )
    assert page.status_code == 200
    form = page.context["form"]
    assert [form.fields[name].label for name in form.value_names] == [
        "Value of ((when))"
    ]
    assert form["value_0"].value() == "tonight 22:00"
    assert form["template_values_for"].value() == str(maintenance.pk)
    (note,) = form.non_field_errors()
    assert note.startswith("Check the values of the template's placeholders")
    assert 'value="tonight 22:00"' in page.content.decode()
    assert not Notification.objects.exists()


def test_the_second_press_creates_rendered_rows_for_every_address(
    admin_client, compose_audience, maintenance, post_action
):
    done = compose(
        admin_client,
        post_action,
        compose_audience,
        confirm="yes",
        template=maintenance.pk,
        template_values_for=maintenance.pk,
        value_0="at <6>",
    )
    assert done.status_code == 302
    rows = Notification.objects.select_related(
        "user_target__user", "user_target__target"
    )
    got = sorted(
        (n.user_target.user.username, n.user_target.target.name, n.title, n.body)
        for n in rows
    )
    assert got == [
        ("ann", "Email", "Maintenance at <6>", "Hi Ann, the service is down at <6>."),
        ("ann", "Twilio", "Maintenance", "Down at <6>"),
        ("bob", "Email", "Maintenance at <6>", "Hi Bob, the service is down at <6>."),
    ]
    assert {n.template_version_id for n in rows} == {maintenance.versions.get().pk}
    shown = [str(m) for m in get_messages(done.wsgi_request)]
    assert any(m.startswith("3 notifications scheduled for 2 users.") for m in shown)
    assert "Skipped 1 user (opted out): out." in shown


def test_a_target_the_template_lacks_is_an_error_on_the_target(
    admin_client, compose_audience, make_template, post_action, targets
):
    email_only = make_template("email_only", email_subject="S", email_text="T")
    page = compose(
        admin_client,
        post_action,
        compose_audience,
        confirm="yes",
        template=email_only.pk,
        template_values_for=email_only.pk,
        target=targets["twilio"].pk,
    )
    assert "has no SMS part" in str(page.context["form"].errors["target"])
    assert not Notification.objects.exists()


def test_a_value_is_required_for_each_placeholder(
    admin_client, compose_audience, maintenance, post_action
):
    page = compose(
        admin_client,
        post_action,
        compose_audience,
        confirm="yes",
        template=maintenance.pk,
        template_values_for=maintenance.pk,
        value_0="",
    )
    assert "value_0" in page.context["form"].errors
    assert not Notification.objects.exists()


def test_a_message_too_long_for_one_user_creates_nothing_and_names_them(
    admin_client, make_user, make_record, make_template, post_action
):
    template = make_template("hello", sms_text="Hello ((first_name)) " + "x" * 130)
    short = make_user(username="short", first_name="Al")
    long = make_user(username="long", first_name="Maximilian-Alexander the Third")
    for user in (short, long):
        make_record(user, "twilio")
    done = compose(
        admin_client,
        post_action,
        [short, long],
        confirm="yes",
        template=template.pk,
        template_values_for=template.pk,
    )
    shown = [str(m) for m in get_messages(done.wsgi_request)]
    assert any(
        m.startswith("Nothing was created:") and "long: After substitution" in m
        for m in shown
    ), shown
    assert not Notification.objects.exists()


def test_a_forged_template_id_is_just_no_template(
    admin_client, compose_audience, post_action
):
    for forged in ("abc", "-1", "99999999999999999999999", "1 OR 1=1"):
        page = compose(
            admin_client, post_action, compose_audience, confirm="yes", template=forged
        )
        assert page.status_code == 200
        assert "template" in page.context["form"].errors
    assert not Notification.objects.exists()


def test_a_broken_language_hook_is_a_message_not_a_server_error(
    admin_client, compose_audience, maintenance, post_action, settings
):
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = "no.such.hook"
    done = compose(
        admin_client,
        post_action,
        compose_audience,
        confirm="yes",
        template=maintenance.pk,
        template_values_for=maintenance.pk,
        value_0="now",
    )
    shown = [str(m) for m in get_messages(done.wsgi_request)]
    assert any("NOTIFICATION_SYSTEM_USER_LANGUAGE" in m for m in shown)
    assert not Notification.objects.exists()
