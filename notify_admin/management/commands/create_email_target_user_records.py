"""Create (or update) one email TargetUserRecord per user from ``user.email``."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from ...models import NotificationTarget, TargetUserRecord


class Command(BaseCommand):
    help = (
        "Create or update each user's email target user record from user.email "
        "(idempotent); reports created, updated and skipped counts."
    )

    def handle(self, *args, **options):
        counts = {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        email_target = NotificationTarget.objects.get(
            notification_module_name=NotificationTarget.EMAIL
        )
        existing = set(
            TargetUserRecord.objects.filter(
                target=email_target, active=True
            ).values_list("user_id", "target_user_id")
        )
        with_record = {user_id for user_id, _address in existing}
        for user in get_user_model().objects.order_by("pk").iterator():
            counts[self.reset(user, existing, with_record)] += 1
        self.stdout.write(
            "created={created} updated={updated} unchanged={unchanged} "
            "skipped={skipped}".format(**counts)
        )

    def reset(self, user, existing, with_record):
        if not user.email:
            return "skipped"
        try:
            record = TargetUserRecord.reset_email_target(user)
        except ValidationError as err:
            self.stderr.write(f"user {user.pk}: {' '.join(err.messages)}")
            return "skipped"
        if (user.pk, record.target_user_id) in existing:
            return "unchanged"
        return "updated" if user.pk in with_record else "created"
