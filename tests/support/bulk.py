"""Many due notifications at once, for the tests that start processes."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from notify_admin.models import Notification, NotificationTarget, TargetUserRecord


def phone(n):
    return f"+1415555{n:04d}"


def populate(counts):
    """Bulk-create due notifications: {"email": n, "twilio": n, "expo": n}."""
    targets = {t.notification_module_name: t for t in NotificationTarget.objects.all()}
    address = {
        "email": lambda n: f"user{n}@example.com",
        "twilio": phone,
        "expo": lambda n: f"ExponentPushToken[token-{n}]",
    }
    users, records = [], []
    n = 0
    for module, count in counts.items():
        for _ in range(count):
            n += 1
            users.append(
                get_user_model()(username=f"u{n}", email=f"user{n}@example.com")
            )
            records.append((module, address[module](n)))
    users = get_user_model().objects.bulk_create(users)
    records = TargetUserRecord.objects.bulk_create(
        TargetUserRecord(user=user, target=targets[module], target_user_id=to)
        for user, (module, to) in zip(users, records, strict=True)
    )
    due = timezone.now() - timedelta(seconds=1)
    Notification.objects.bulk_create(
        (
            Notification(user_target=r, title="t", body="b", scheduled_delivery=due)
            for r in records
        ),
        batch_size=1000,
    )
    return {r.target_user_id for r in records}
