"""``Notification.objects.bulk_create_from_template(...)``: many users.

Recipients are taken ``batch_size`` at a time; each batch costs a fixed
number of statements whatever its size: the users' active records on the
template's targets with their opt-outs (one SELECT), and the rendered rows
(one INSERT on PostgreSQL; ``bulk_create`` elsewhere). Each recipient is
rendered from the version of their language.

Everything runs in one transaction: a recipient whose message cannot be
rendered (a missing value, an SMS too long) makes the call raise
TemplateRenderError listing every such recipient, and nothing is created.
Opted-out users and users without an active address on the template's
channels are skipped and reported (``BulkResult.skipped``), where the single
call would raise for them; an opted-out user without such an address is
reported as without an address.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import TemplateChannelMissing, TemplateRenderError
from ..rendering import Problem
from .expressions import fk_in
from .opt_out import NotificationOptOut
from .target_user_record import TargetUserRecord
from .template_plan import Plan

DEFAULT_BATCH_SIZE = 1000
#: Recipients with errors listed in the exception (the count is always full).
ERRORS_LISTED = 100


@dataclass
class BulkResult:
    """What a bulk creation did."""

    created: int = 0
    #: ``{"opted_out": [user pk, ...], "no_address": [...]}``
    skipped: dict = field(default_factory=lambda: {"opted_out": [], "no_address": []})
    #: The new notifications' ids, when asked for (``collect_ids=True``).
    ids: list = field(default_factory=list)
    batches: int = 0


def bulk_create(
    model,
    template,
    recipients,
    *,
    personalisation=None,
    targets=None,
    scheduled_delivery=None,
    language=None,
    retry_time_interval=0,
    max_retries=3,
    batch_size=DEFAULT_BATCH_SIZE,
    collect_ids=False,
):
    """Create the template's notifications (``model``) for many users, in batches.

    ``recipients``: users, or ``(user, personalisation)`` pairs; the shared
    ``personalisation`` fills what a recipient's own does not. The other
    arguments are those of :func:`.template_create.create`.
    Returns a :class:`BulkResult`.
    """
    plan = Plan(template, targets, language)
    fixed = {
        "status": model.SCHEDULED,
        "category_id": plan.template.category_id,
        "scheduled_delivery": scheduled_delivery or timezone.now(),
        "retry_time_interval": retry_time_interval,
        "max_retries": max_retries,
    }
    result, errors = BulkResult(), []
    pairs = (_pair(item, personalisation) for item in recipients)
    with transaction.atomic():
        while batch := list(islice(pairs, max(1, batch_size))):
            rows = _batch_rows(plan, batch, fixed, result, errors)
            result.batches += 1
            if errors:
                continue  # nothing will be kept: render on, to list every error
            model.objects.insert_rows(rows)
            result.created += len(rows)
            if collect_ids:
                result.ids += [row["id"] for row in rows]
        if errors:
            raise _error(errors)
    return result


def _pair(item, shared):
    if isinstance(item, tuple | list):
        user, own = item
    else:
        user, own = item, None
    if shared and own:
        own = {**shared, **own} if isinstance(own, Mapping) else own
    return user, own if own is not None else shared


def _batch_records(plan, user_ids):
    """``({user_id: [(record_id, target_id)]}, {opted-out user ids})``: the
    users' active records on the plan's targets, in one SELECT."""
    records, opted_out = {}, set()
    found = (
        TargetUserRecord.objects.filter(
            _user_ids_q(user_ids), active=True, target_id__in=list(plan.targets)
        )
        .annotate(
            opted_out=Exists(
                NotificationOptOut.objects.filter(
                    user_id=OuterRef("user_id"), active=True
                )
            )
        )
        .values_list("id", "user_id", "target_id", "opted_out")
    )
    for record_id, user_id, target_id, is_opted_out in found:
        records.setdefault(user_id, []).append((record_id, target_id))
        if is_opted_out:
            opted_out.add(user_id)
    return records, opted_out


def _user_ids_q(user_ids):
    """The records of these users (one array parameter on PostgreSQL)."""
    return fk_in(TargetUserRecord, "user", user_ids)


def _batch_rows(plan, batch, fixed, result, errors):
    records, opted_out = _batch_records(plan, [user.pk for user, _p in batch])
    rows = []
    for user, personalisation in batch:
        if user.pk in opted_out:
            result.skipped["opted_out"].append(user.pk)
            continue
        mine = records.get(user.pk)
        if not mine:
            result.skipped["no_address"].append(user.pk)
            continue
        try:
            rows += _user_rows(plan, user, personalisation, mine, fixed)
        except (TemplateRenderError, TemplateChannelMissing) as err:
            errors.append((user, err))
    return rows


def _user_rows(plan, user, personalisation, mine, fixed):
    version, messages = plan.messages(user, personalisation, mine)
    return [
        {
            "id": uuid.uuid4(),
            "user_target_id": record_id,
            "title": messages[target_id].title,
            "body": messages[target_id].body,
            "extra": messages[target_id].extra,
            "template_version_id": version.pk,
            **fixed,
        }
        for record_id, target_id in mine
    ]


def _error(errors):
    problems = []
    for user, err in errors[:ERRORS_LISTED]:
        who = user.get_username() if hasattr(user, "get_username") else user.pk
        problems.append(Problem("", f"{who}: {err}", "recipient"))
    if len(errors) > ERRORS_LISTED:
        problems.append(
            Problem(
                "",
                _("… and %(n)d more recipients.") % {"n": len(errors) - ERRORS_LISTED},
                "recipient",
            )
        )
    return TemplateRenderError(
        [
            Problem(
                "",
                _(
                    "Nothing was created: %(n)d recipients' messages could not "
                    "be rendered."
                )
                % {"n": len(errors)},
                "recipients",
            ),
            *problems,
        ]
    )
