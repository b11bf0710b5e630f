"""The generated fuzz walk of the console (``tests/admin/test_fuzz_*.py``).

Every ModelAdmin registered for notify_admin's models in ``admin.site``
(found in ``admin.site._registry``, so a model another issue adds is walked
without a line here, once :data:`FACTORIES` can make one of it) and the
actions notify_admin adds to the user admin. A form is read from its page as
a browser reads it (:func:`read_form`: inputs, checked boxes, selected
options, text areas), then posted again with one field at a time replaced by
each hostile value of :func:`hostile_values`, and once with every field
replaced at once. An action is posted with each hostile value as the
selection, and its confirmation page's form (Reschedule's date, Compose's
fields...) is walked like any form.

:class:`Walk` posts, in a savepoint rolled back after each request (each
post starts from the same rows), and records as failures:

- any server error (status 500, or an exception the handler saw);
- any write (INSERT / UPDATE / DELETE, sessions aside) by a request that
  was refused: a 4xx, a page shown again with form errors, a confirmation
  page, or a redirect carrying an error message.
"""

import json
import re
import traceback
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .reliability_tally import tally

APP_LABEL = "notify_admin"

#: Nested 3,000 deep: Python's JSON parser would raise RecursionError.
DEEP_ARRAY = "[" * 3000 + "]" * 3000
DEEP_OBJECT = '{"a": ' * 3000 + "1" + "}" * 3000
HUGE = "99999999999999999999999"
BIGINT_OVER = "9223372036854775808"
MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
LONG = "x" * 10_000
NUL = "a\x00b"

#: Every field gets these.
ALWAYS = ["", "abc", "-1", HUGE, NUL, MARKUP, LONG]
#: Fields whose value is a key or a choice (selects, hidden inputs, raw ids).
KEYS = [
    BIGINT_OVER,
    "1.5",
    "0",
    "987654",
    str(uuid.UUID(int=1)),
    "NOT_A_CHOICE",
    "1 OR 1=1",
]
#: Free text (text areas, text inputs): what people paste.
TEXT = [DEEP_ARRAY, DEEP_OBJECT, '{"a": "\\u0000"}', "[1, 2]", '"text"', "{"]
#: Dates and times (Django's split date/time inputs).
DATES = ["2024-13-45", "99999-01-01", "0001-01-01", "25:61:00", "1e9"]
#: What the selection of an action is forged with.
SELECTIONS = [
    "abc",
    "-1",
    "1.5",
    HUGE,
    BIGINT_OVER,
    "1 OR 1=1",
    "1; DROP TABLE notify_admin_notification",
    NUL,
    " ",
    MARKUP,
    LONG,
    "0x10",
]

# Fields a browser posts that no person types into.
SKIPPED_FIELDS = {"csrfmiddlewaretoken"}
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
SESSION_TABLE = re.compile(r"django_session", re.IGNORECASE)


# -- reading a form as a browser does ------------------------------------------


@dataclass
class FormField:
    name: str
    kind: str  # text, textarea, select, hidden, checkbox, radio, number, date, time
    value: list = field(default_factory=list)
    multiple: bool = False
    options: list = field(default_factory=list)


class _FormReader(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields = {}
        self._select = None
        self._textarea = None
        self._option = None

    def _add(self, name, kind, value=None, **kwargs):
        found = self.fields.setdefault(name, FormField(name, kind, **kwargs))
        if value is not None:
            found.value.append(value)
        return found

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
            return
        if not self.inside or not attrs.get("name"):
            if tag == "option" and self._select is not None:
                self._option_start(attrs)
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            css = attrs.get("class", "")
            if "vDateField" in css:
                kind = "date"
            elif "vTimeField" in css:
                kind = "time"
            if kind in ("checkbox", "radio"):
                entry = self._add(name, kind)
                entry.options.append(attrs.get("value", "on"))
                if "checked" in attrs:
                    entry.value.append(attrs.get("value", "on"))
            else:
                self._add(name, kind, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = self._add(name, "textarea")
            self._textarea.value.append("")
        elif tag == "select":
            self._select = self._add(name, "select", multiple="multiple" in attrs)
        if tag == "option" and self._select is not None:
            self._option_start(attrs)

    def _option_start(self, attrs):
        self._option = attrs
        value = attrs.get("value")
        self._select.options.append(value if value is not None else "")
        if "selected" in attrs:
            self._select.value.append(value if value is not None else "")

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select
            if not chosen.value and chosen.options and not chosen.multiple:
                chosen.value.append(chosen.options[0])
            self._select = None


def read_form(content, form_id=None):
    """The fields of the form ``form_id`` (the first form with None) of a
    page, with what a browser would post for each."""
    reader = _FormReader(form_id)
    reader.feed(content.decode() if isinstance(content, bytes) else content)
    reader.close()
    return {
        name: found
        for name, found in reader.fields.items()
        if name not in SKIPPED_FIELDS
    }


def form_data(fields):
    """The POST data of ``read_form``'s fields (lists for repeated names)."""
    return {name: list(found.value) for name, found in fields.items() if found.value}


def hostile_values(found):
    """The values one field is tried with, chosen by how the page draws it."""
    values = list(ALWAYS)
    if found.kind in ("select", "hidden", "radio", "number") or found.name.endswith(
        ("_id", "user", "target", "category", "template")
    ):
        values += KEYS
    if found.kind in ("textarea", "text"):
        values += TEXT
    if found.kind in ("date", "time"):
        values += DATES
    if found.kind == "checkbox":
        values = ["", "abc", NUL, "on"]
    return list(dict.fromkeys(values))


def variants(fields, walked=None):
    """``(label, data)``: the page's own data with one field changed at a
    time to each hostile value, then every field at once. ``walked``: the
    names to change (default: all)."""
    base = form_data(fields)
    walked = [name for name in fields if walked is None or name in walked]
    for name in walked:
        found = fields[name]
        for value in hostile_values(found):
            data = dict(base)
            data[name] = [value] if value != "" or found.kind != "checkbox" else []
            yield f"{name}={_short(value)}", data
    if not walked:
        return
    for value in ALWAYS + KEYS[:3] + TEXT[:2]:
        yield f"*={_short(value)}", {**base, **{name: [value] for name in walked}}


def _short(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# -- what is walked ------------------------------------------------------------


def walked_model_admins(site=None):
    """``[(model, model_admin)]``: every ModelAdmin of notify_admin's models
    registered on ``site``, in a stable order."""
    site = site or admin.site
    return sorted(
        (
            (model, model_admin)
            for model, model_admin in site._registry.items()
            if model._meta.app_label == APP_LABEL
        ),
        key=lambda pair: pair[0]._meta.model_name,
    )


def user_model_admin(site=None):
    return (site or admin.site).get_model_admin(get_user_model())


def admin_url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def superuser_actions(model_admin, user):
    """The names of the changelist actions ``user`` is offered."""
    request = RequestFactory().get("/")
    request.user = user
    return list(model_admin.get_actions(request))


# -- posting and recording -----------------------------------------------------


@dataclass
class Failure:
    where: str
    what: str

    def __str__(self):
        return f"{self.where}: {self.what}"


class Walk:
    """Posts with a client, each request in a rolled-back savepoint, and
    collects every server error and every write a refusal made."""

    def __init__(self, client):
        self.client = client
        self.client.raise_request_exception = False
        self.failures = []
        self.requests = 0
        self.refusals = 0
        self._exceptions = []

    def __enter__(self):
        got_request_exception.connect(self._record_exception)
        return self

    def __exit__(self, *exc):
        got_request_exception.disconnect(self._record_exception)

    def _record_exception(self, sender, request=None, **kwargs):
        self._exceptions.append(traceback.format_exc(limit=-3))

    def get(self, url, where=""):
        return self._send("get", url, None, where or f"GET {url}")

    def post(self, url, data, where=""):
        return self._send("post", url, data, where or f"POST {url}")

    def _send(self, method, url, data, where):
        self._exceptions.clear()
        self.client.cookies.pop("messages", None)
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                response = getattr(self.client, method)(url, data)
            statements = [q["sql"] or "" for q in captured.captured_queries]
            writes = [
                sql[:160]
                for sql in statements
                if WRITE.match(sql) and not SESSION_TABLE.search(sql)
            ]
            transaction.set_rollback(True)
        self.requests += 1
        tally("fuzz requests")
        if response.status_code >= 500:
            detail = self._exceptions[-1] if self._exceptions else ""
            self.failures.append(
                Failure(where, f"server error {response.status_code}\n{detail}")
            )
            return response
        if refused(response):
            self.refusals += 1
            if writes and method == "post":
                self.failures.append(
                    Failure(
                        where, f"refused ({describe(response)}) but wrote: {writes}"
                    )
                )
        return response

    def report(self, limit=15):
        shown = "\n\n".join(str(f) for f in self.failures[:limit])
        more = len(self.failures) - limit
        return shown + (f"\n\n... and {more} more" if more > 0 else "")


def refused(response):
    """Whether the request was turned down: nothing may have been written."""
    if response.status_code >= 400:
        return True
    if response.status_code in (301, 302, 303):
        return any(m.level >= messages.ERROR for m in messages_of(response))
    context = response.context
    if context is None:
        return False
    try:
        context["adminform"]
    except KeyError:
        pass
    else:
        return True  # an add or change form shown again: not saved
    try:
        form = context["form"]
    except KeyError:
        pass
    else:
        if getattr(form, "errors", None):
            return True
    names = [t.name for t in response.templates if t.name]
    return any("confirmation" in name for name in names)


def messages_of(response):
    """The messages the request added (shown on its page, or queued for the
    next one). The walk drops the message cookie before each request, so
    none is left over from an earlier one."""
    storage = getattr(response.wsgi_request, "_messages", None)
    if storage is None:
        return []
    shown = getattr(storage, "_loaded_data", None) or []
    return [*shown, *storage._queued_messages]


def describe(response):
    if response.status_code in (301, 302, 303):
        return f"{response.status_code}: " + "; ".join(
            str(m) for m in messages_of(response)
        )
    return str(response.status_code)


def action_post(action, selected, **data):
    return {
        "action": action,
        "index": "0",
        helpers.ACTION_CHECKBOX_NAME: list(selected),
        **data,
    }


def is_json(text):
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True


# -- one object of every walked model --------------------------------------------


def _user(n):
    return get_user_model().objects.create_user(
        f"walk{n}", f"walk{n}@example.com", first_name="Walk"
    )


def _target(name="email"):
    from notify_admin.models import NotificationTarget

    return NotificationTarget.objects.get(notification_module_name=name)


def _record(user, module="email", address=None):
    from notify_admin.models import TargetUserRecord

    return TargetUserRecord.objects.create(
        user=user, target=_target(module), target_user_id=address or user.email
    )


def _notification(world):
    from notify_admin.models import Notification

    return Notification.objects.create(
        user_target=world["record"], title="Walk", body="Body", extra={"a": 1}
    )


def _template(world):
    from notify_admin.models import NotificationTemplate

    template = NotificationTemplate.objects.create(
        key="walk", name="Walk", example_personalisation={"code": "1234"}
    )
    template.save_content(
        {
            "email_subject": "Code ((code))",
            "email_text": "Your code is ((code))",
            "sms_text": "Your code is ((code))",
        },
        "en",
    )
    return template


def _preference(world):
    from notify_admin.models import NotificationCategory, NotificationPreference

    return NotificationPreference.objects.create(
        user=world["user"],
        category=NotificationCategory.objects.get(key="general"),
        target=_target(),
        enabled=False,
    )


def _consent_change(world):
    from notify_admin.models import ConsentChange

    return ConsentChange.objects.create(
        user=world["user"], via=ConsentChange.ONE_CLICK, enabled=False
    )


def _blackout(world):
    from django.utils import timezone

    from notify_admin.models import BlackoutPeriod

    today = timezone.localdate()
    return BlackoutPeriod.objects.create(name="Walk", start_date=today, end_date=today)


def _recipient_settings(world):
    from notify_admin.models import RecipientSettings

    return RecipientSettings.objects.create(user=world["user"], time_zone="UTC")


def _inbound(world):
    from notify_admin.models import InboundMessage

    return InboundMessage.objects.create(
        from_number="+14155552671", body="STOP", payload={"Body": "STOP"}
    )


def _opt_out(world):
    from notify_admin.models import NotificationOptOut

    return NotificationOptOut.objects.create(user=_user(2), active=False)


def _run(world):
    from notify_admin.models import DeliveryRun

    return DeliveryRun.objects.create(source="command")


def _category(world):
    from notify_admin.models import NotificationCategory

    return NotificationCategory.objects.create(key="walk", name="Walk")


def _send_job(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from notify_admin import jobs
    from notify_admin.models import NotificationTemplate

    template = world[NotificationTemplate]
    data = f"user,code\r\n{world['user'].username},1234\r\n".encode()

    def upload():
        return SimpleUploadedFile("walk.csv", data, "text/csv")

    check = jobs.check_file(upload(), template)
    assert check.ok, [str(problem) for problem in check.errors]
    return jobs.prepare_job(check, upload(), template=template, by=world["user"])


#: How to make one object of each walked model (by ``app_label.ModelName``),
#: from the world made so far. A model registered later needs a line here;
#: until then the fuzz test fails and names it.
FACTORIES = {
    "notify_admin.Notification": _notification,
    "notify_admin.TargetUserRecord": lambda world: world["record"],
    "notify_admin.NotificationTarget": lambda world: _target(),
    "notify_admin.NotificationOptOut": _opt_out,
    "notify_admin.DeliveryRun": _run,
    "notify_admin.NotificationCategory": _category,
    "notify_admin.NotificationPreference": _preference,
    "notify_admin.ConsentChange": _consent_change,
    "notify_admin.BlackoutPeriod": _blackout,
    "notify_admin.RecipientSettings": _recipient_settings,
    "notify_admin.InboundMessage": _inbound,
    "notify_admin.NotificationTemplate": _template,
    "notify_admin.SendJob": _send_job,
}


def make_world():
    """``{model: object}`` for every walked model, plus ``"user"`` (a user
    with an email record) and ``"record"``. Raises LookupError naming a
    registered model that :data:`FACTORIES` cannot make."""
    user = _user(1)
    world = {"user": user, "record": _record(user)}
    missing = []
    for model, _model_admin in walked_model_admins():
        factory = FACTORIES.get(model._meta.label)
        if factory is None:
            missing.append(model._meta.label)
            continue
        world[model] = factory(world)
    if missing:
        raise LookupError(
            "No factory for the registered model(s) "
            + ", ".join(missing)
            + ": add one to FACTORIES in tests/support/admin_walk.py, so the fuzz "
            "walk covers their admin."
        )
    world[get_user_model()] = user
    return world
