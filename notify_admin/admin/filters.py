"""Changelist filters of the notify_admin console."""

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import get_last_value_from_parameters
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rangefilter.filters import DateTimeRangeFilter


class MineFilter(admin.SimpleListFilter):
    """ "Mine" = objects this staff member added or changed in the console.

    The admin log is the record of who touched what (admin forms, every
    notify_admin action, CSV imports through import-export), so "mine" means
    the objects with an entry by the current user in it, like the "My actions"
    box on the admin index. One query for the ids, whatever the page size.
    """

    # Django titles a filter "By <title>": "By staff member: Me".
    title = _("staff member")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Me"))]

    def queryset(self, request, queryset):
        if self.value() != "1":
            return queryset
        opts = queryset.model._meta
        object_ids = (
            LogEntry.objects.filter(
                user_id=request.user.pk,
                content_type__app_label=opts.app_label,
                content_type__model=opts.model_name,
            )
            .values_list("object_id", flat=True)
            .distinct()
        )
        return queryset.filter(pk__in=_as_pks(opts.pk, object_ids))


def _as_pks(pk_field, object_ids):
    """LogEntry.object_id is text; compare it to the primary key as its type
    (a text-to-uuid join would not match on SQLite, which stores uuids as hex)."""
    pks = []
    for value in object_ids:
        try:
            pks.append(pk_field.to_python(value))
        except ValidationError:
            continue
    return pks


class RunFilter(admin.SimpleListFilter):
    """``?run=<id>``: the notifications of one delivery run: those it
    attempted, and for an admin send the selected rows it did not (kept on the
    run, see admin/unsent.py): the link on a sending action's result page.
    Shown in the sidebar only when set."""

    title = _("delivery run")
    parameter_name = "run"

    def lookups(self, request, model_admin):
        value = self.value()
        if value and value.isdigit():
            return [(value, _("Run %(run)s") % {"run": value})]
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit() or len(value) > 18:
            raise IncorrectLookupParameters(_("A run is named by its number."))
        from ..models import DeliveryAttempt, DeliveryRun

        run = int(value)
        attempted = DeliveryAttempt.objects.filter(run_id=run)
        unsent = DeliveryRun.objects.filter(pk=run).values_list("unsent", flat=True)
        listed = [
            row["notification"]
            for row in (next(iter(unsent), None) or {}).get("rows", [])
            if row.get("notification")
        ]
        return queryset.filter(
            Q(pk__in=attempted.values("notification_id")) | Q(pk__in=listed)
        )


class OptedOutFilter(admin.SimpleListFilter):
    """Tells a staff cancellation (Cancel action) from the recipient's wishes:
    all leave the row OPTED_OUT, the seed's status for "never to be sent";
    ``opted_out_reason`` says which wish (opt-out, preference, category
    default, SMS STOP)."""

    title = _("opted out or cancelled")
    parameter_name = "opted_out"
    REASONS = {
        "opt_out": _("… by the user's opt-out"),
        "preference": _("… by a preference"),
        "category": _("… by the category's default"),
        "channel": _("… by the address (SMS STOP)"),
    }

    def lookups(self, request, model_admin):
        return [
            ("user", _("Not sent: the user's wish")),
            *self.REASONS.items(),
            ("cancelled", _("Cancelled by staff")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        not_cancelled = queryset.filter(status="OPTED_OUT", cancelled_at__isnull=True)
        if value == "user":
            return not_cancelled
        if value in self.REASONS:
            return not_cancelled.filter(opted_out_reason=value)
        if value == "cancelled":
            return queryset.filter(status="OPTED_OUT", cancelled_at__isnull=False)
        return queryset


class DeferredFilter(admin.SimpleListFilter):
    """Open rows held by quiet hours or a blackout period."""

    title = _("deferred")
    parameter_name = "deferred"

    def lookups(self, request, model_admin):
        return [
            ("quiet_hours", _("By quiet hours")),
            ("blackout", _("By a blackout period")),
        ]

    def queryset(self, request, queryset):
        if self.value() in ("quiet_hours", "blackout"):
            return queryset.open().filter(
                deferral_reason=self.value(), deferred_until__isnull=False
            )
        return queryset


class DueFilter(admin.SimpleListFilter):
    """ "Due now": the rows the next delivery run would pick up
    (``Notification.objects.due()``), as counted on the dashboard."""

    title = _("delivery")
    parameter_name = "due"
    NOW = "now"

    def lookups(self, request, model_admin):
        return [(self.NOW, _("Due now"))]

    def queryset(self, request, queryset):
        if self.value() != self.NOW:
            return queryset
        return queryset.due()


class UserFilter(admin.SimpleListFilter):
    """One user's notifications (``?user=<pk>``), linked from the user's page.

    No choices in the sidebar (there may be millions of users): it shows only
    while a user is chosen, and then names them.
    """

    title = _("user")
    parameter_name = "user"

    def lookups(self, request, model_admin):
        if self.value() is None:
            return []
        pk = self._pk()
        if pk is None:
            return [(self.value(), _("unknown user"))]
        user = get_user_model().objects.filter(pk=pk).first()
        return [(str(pk), user.get_username() if user else str(pk))]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        pk = self._pk()
        if pk is None:
            return queryset.none()
        return queryset.filter(user_target__user_id=pk)

    def _pk(self):
        if self.value() is None:
            return None
        try:
            return get_user_model()._meta.pk.to_python(self.value())
        except ValidationError:
            return None


class StatusFilter(admin.ChoicesFieldListFilter):
    """The status filter, plus the group the dashboard's "failed" counts link
    to (``status__in=DELIVERY_FAILURE,INACTIVE_DEVICE``), shown and selected
    in the sidebar like any status; choosing a status drops the group (and
    the other way round), so the two never combine into an empty list."""

    #: (``status__in`` value, label) of the groups offered.
    GROUPS = [
        (
            "DELIVERY_FAILURE,INACTIVE_DEVICE",
            _("Failed (delivery failure or inactive device)"),
        ),
    ]

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg_in = f"{field_path}__in"
        self.lookup_val_in = get_last_value_from_parameters(
            params, self.lookup_kwarg_in
        )
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [*super().expected_parameters(), self.lookup_kwarg_in]

    def choices(self, changelist):
        exact, isnull, group = (
            self.lookup_kwarg,
            self.lookup_kwarg_isnull,
            self.lookup_kwarg_in,
        )
        yield {
            "selected": self.lookup_val is None and self.lookup_val_in is None,
            "query_string": changelist.get_query_string(remove=[exact, isnull, group]),
            "display": _("All"),
        }
        for value, title in self.GROUPS:
            yield {
                "selected": self.lookup_val_in == value,
                "query_string": changelist.get_query_string(
                    {group: value}, [exact, isnull]
                ),
                "display": title,
            }
        for lookup, title in self.field.flatchoices:
            yield {
                "selected": self.lookup_val is not None
                and str(lookup) in self.lookup_val,
                "query_string": changelist.get_query_string(
                    {exact: lookup}, [isnull, group]
                ),
                "display": title,
            }


class LabelledDateTimeRangeFilter(DateTimeRangeFilter):
    """rangefilter's date-time range, each input saying what it takes: its
    time inputs read "From time" / "To time", not "From date" again."""

    def _get_form_fields(self):
        fields = super()._get_form_fields()
        labels = {
            self.lookup_kwarg_gte: (_("From date"), _("From time")),
            self.lookup_kwarg_lte: (_("To date"), _("To time")),
        }
        for name, (date_label, time_label) in labels.items():
            widget = fields[name].widget
            # The split widget hands its own attributes to both inputs.
            widget.attrs.pop("placeholder", None)
            date_input, time_input = widget.widgets
            date_input.attrs["placeholder"] = date_label
            time_input.attrs["placeholder"] = time_label
        return fields


def datetime_range_filter(title):
    """The filter class for ``list_filter``, as rangefilter's
    ``DateTimeRangeFilterBuilder(title=...)`` builds it."""
    return type(
        "DateTimeRangeFilter",
        (LabelledDateTimeRangeFilter,),
        {
            "__from_builder": True,
            "default_title": title,
            "default_start": None,
            "default_end": None,
        },
    )


class SendJobFilter(admin.SimpleListFilter):
    """``?send_job=<id>``: the notifications one send job created (the links
    of the job's page, each status of it with the status filter beside).
    Shown in the sidebar only when set, naming the job and its file."""

    title = _("send job")
    parameter_name = "send_job"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not value.isdigit() or len(value) > 18:
            return []
        from ..models import SendJob

        name = (
            SendJob.objects.filter(pk=int(value))
            .values_list("file_name", flat=True)
            .first()
        )
        label = _("Job %(job)s") % {"job": value}
        return [(value, f"{label} · {name}" if name else label)]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit() or len(value) > 18:
            raise IncorrectLookupParameters(_("A send job is named by its number."))
        return queryset.filter(send_job_id=int(value))
