"""``Notification.objects.create_from_template(...)``: one user, rendered now."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import NotificationsNotCreated, UserHasNoTargetRecords, UserIsOptedOut
from .opt_out import NotificationOptOut
from .target_user_record import TargetUserRecord
from .template_plan import Plan


def create(
    model,
    template,
    user,
    personalisation=None,
    *,
    targets=None,
    scheduled_delivery=None,
    language=None,
    retry_time_interval=0,
    max_retries=3,
    quiet=False,
):
    """Create one notification (``model``) per active address of ``user`` on
    the template's channels, rendered from the version of the user's language.

    ``template``: a key or a NotificationTemplate. ``targets``: None (every
    channel the template has), or a target / target name or a list of them;
    a target whose channel the template leaves out raises
    TemplateChannelMissing. ``language`` overrides the language hook.

    Raises UserIsOptedOut, UserHasNoTargetRecords (``quiet``: returns ``[]``
    instead), TemplateNotFound, TemplateChannelMissing and TemplateRenderError
    (a missing value names it: "Missing personalisation: code"); nothing is
    created then. Calling it again with the same arguments while the first
    rows are still open returns those rows instead of new ones.
    """
    plan = Plan(template, targets, language)
    try:
        if NotificationOptOut.objects.filter(user=user, active=True).exists():
            raise UserIsOptedOut(
                _("User %(pk)s has opted out of notifications.") % {"pk": user.pk}
            )
        records = list(
            TargetUserRecord.objects.filter(
                user=user, active=True, target_id__in=list(plan.targets)
            ).select_related("target")
        )
        if not records:
            raise UserHasNoTargetRecords(
                _("User %(pk)s has no active address on the template's channels.")
                % {"pk": user.pk}
            )
    except (UserIsOptedOut, UserHasNoTargetRecords):
        if quiet:
            return []
        raise
    version, messages = plan.messages(
        user, personalisation, [(record.pk, record.target_id) for record in records]
    )
    fields = {
        "template_version": version,
        "category": plan.template.category,
        "scheduled_delivery": scheduled_delivery,
        "retry_time_interval": retry_time_interval,
        "max_retries": max_retries,
    }
    with transaction.atomic():
        return [
            _get_or_create(model, record, messages[record.target_id], fields)
            for record in records
        ]


def _get_or_create(model, record, message, fields):
    scheduled = fields["scheduled_delivery"]
    same = model.objects.filter(
        user_target=record,
        template_version=fields["template_version"],
        title=message.title,
        body=message.body,
    )
    if scheduled is None:
        same = same.filter(status__in=model.OPEN_STATUSES)
    else:
        same = same.filter(scheduled_delivery=scheduled)
    for existing in same.order_by("created"):
        if existing.extra == message.extra:
            return existing
    notification = model(
        user_target=record,
        title=message.title,
        body=message.body,
        extra=message.extra,
        **{**fields, "scheduled_delivery": scheduled or timezone.now()},
    )
    try:
        notification.clean_fields(exclude=["user_target", "template_version"])
        notification.save(force_insert=True)
    except ValidationError as err:
        raise NotificationsNotCreated(
            _("Notifications could not be created: %(error)s") % {"error": err}
        ) from err
    return notification
