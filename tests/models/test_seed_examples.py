"""Every example in the user's document (docs/models.rst, the seed) runs.

The snippets are read from the document itself, with ``django_notification_system``
read as ``notify_admin``. Two typos in the Notification example are mended
(listed in SEED_TYPOS; each must still be present, so a corrected seed fails
this test loudly instead of silently skipping the fix).
"""

import re
import textwrap

import pytest
from django.contrib.auth import get_user_model

from notify_admin.models import Notification, NotificationOptOut, TargetUserRecord
from tests.support.paths import REPO

SEED = REPO / "docs" / "models.rst"

SEED_TYPOS = {
    # Filters by the User class instead of the user instance.
    "user=User,": "user=user,",
    # Assigns ``userTarget`` then uses ``user_target``.
    "userTarget = ": "user_target = ",
}


def seed_snippets():
    text = SEED.read_text()
    blocks = re.findall(r"\.\. code-block:: python\n((?:[ \t]*\n|[ \t]+\S.*\n)+)", text)
    return [
        textwrap.dedent(block).replace("django_notification_system", "notify_admin")
        for block in blocks
    ]


def test_the_seed_has_the_four_examples():
    assert len(seed_snippets()) == 4


@pytest.fixture
def eggs(db, monkeypatch):
    User = get_user_model()
    # The first example assumes "your user model has a `phone_number` attribute".
    monkeypatch.setattr(User, "phone_number", "+14155552671", raising=False)
    user = User.objects.create_user(
        "eggs", email="eggs@example.com", first_name="Eggs", last_name="Benedict"
    )
    TargetUserRecord.reset_email_target(user)
    return user


def run(snippet):
    namespace = {}
    exec(compile(snippet, str(SEED), "exec"), namespace)
    return namespace


@pytest.mark.django_db
def test_create_target_user_record_example(eggs):
    ns = run(seed_snippets()[0])
    record = ns["user_target"]
    record.refresh_from_db()
    assert (record.user, record.target.name, record.target_user_id) == (
        eggs,
        "Twilio",
        "+14155552671",
    )
    assert record.description == "Eggs Benedict's Twilio"


@pytest.mark.django_db
def test_reset_email_target_example(eggs):
    ns = run(seed_snippets()[1])
    assert ns["new_user_target"].target_user_id == "egg@egg.egg"
    assert (
        TargetUserRecord.objects.get(user=eggs, active=True).target_user_id
        == "egg@egg.egg"
    )


@pytest.mark.django_db
def test_opt_out_example(eggs):
    pending = Notification.objects.create(
        user_target=TargetUserRecord.objects.get(user=eggs), title="t", body="b"
    )
    run(seed_snippets()[2])
    assert NotificationOptOut.objects.get(user=eggs).active
    pending.refresh_from_db()
    assert pending.status == "OPTED_OUT"


@pytest.mark.django_db
def test_notification_example(eggs):
    snippet = seed_snippets()[3]
    for typo, fix in SEED_TYPOS.items():
        assert typo in snippet, f"the seed no longer has {typo!r}: drop the fix"
        snippet = snippet.replace(typo, fix)
    ns = run(snippet)
    notification = Notification.objects.get()
    assert notification == ns["notification"]
    assert (notification.title, notification.status, notification.extra) == (
        "Good morning, Eggs",
        "SCHEDULED",
        {},
    )
    assert notification.user_target.target.name == "Email"
