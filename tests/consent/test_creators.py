"""A notification created without a template carries a category."""

import pytest
from django.contrib.auth import get_user_model

from notify_admin.creators import create_notification
from notify_admin.exceptions import NotificationsNotCreated
from notify_admin.models import Notification
from tests.support.consent import category

pytestmark = pytest.mark.django_db


def test_the_creator_takes_a_category_or_its_key(make_user, make_record):
    news = category("news")
    user = make_user()
    make_record(user)
    (by_key,) = create_notification(user, "Hi", "Body", category="news")
    assert by_key.category == news
    # Same content in another category is another notification.
    (plain,) = create_notification(user, "Hi", "Body")
    assert plain.category is None and plain.pk != by_key.pk
    (again,) = create_notification(user, "Hi", "Body", category=news)
    assert again.pk == by_key.pk
    with pytest.raises(
        NotificationsNotCreated, match="no category with the key 'nope'"
    ):
        create_notification(user, "Hi", "Body", category="nope")
    assert create_notification(user, "Hi", "Body", category="nope", quiet=True) == []
    assert Notification.objects.count() == 2


def test_compose_sets_the_category(admin_client, make_user, make_record, post_action):
    security = category("security", critical=True)
    user = make_user()
    make_record(user)
    form = post_action(admin_client, get_user_model(), "notify_compose", [user])
    assert "The default category" in form.content.decode()
    done = post_action(
        admin_client,
        get_user_model(),
        "notify_compose",
        [user],
        confirm="yes",
        title="Password changed",
        body="Was it you?",
        category=str(security.pk),
        extra="{}",
    )
    assert done.status_code == 302
    assert Notification.objects.get().category == security
