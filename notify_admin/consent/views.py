"""The recipient's pages: one-click unsubscribe and the preference page.

No login: the signed token in the URL is the key (see ``tokens``).

Unsubscribe (RFC 8058): a POST turns the link's category off on the link's
channel (every non-critical category when the link names none) and answers
200: mail providers post ``List-Unsubscribe=One-Click`` with no cookie and
no CSRF token, so the view takes none. A GET only shows a page with a
button that posts, because link scanners open every link in a message. A
token that does not verify is a 400 and changes nothing. Replaying a POST is
harmless: the category is already off, nothing is written again.

Preference page: every category on each channel the recipient has an
address in, and their time zone and quiet hours; a normal form (CSRF
checked). Every change a recipient makes is a ConsentChange row: when,
what, and through which link.
"""

from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from ..models import ConsentChange, NotificationTarget, RecipientSettings
from .changes import apply_grid, record_recipient_changes, unsubscribe
from .forms import QuietHoursForm
from .grid import SHOWN, build_grid, wanted_from_post
from .tokens import BadToken, preferences_url, read_preferences, read_unsubscribe

TEMPLATES = "notify_admin/consent/"


def invalid(request):
    return render(request, TEMPLATES + "invalid.html", status=400)


@csrf_exempt
@never_cache
def unsubscribe_view(request, token):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        link = read_unsubscribe(token)
    except BadToken:
        return invalid(request)
    context = {
        "link": link,
        "gone": link.user is None
        or link.target is None
        or (link.category_key and link.category is None),
        "critical": link.category is not None and link.category.critical,
    }
    if request.method != "POST":
        # A link scanner's GET: show the button, change nothing.
        return render(request, TEMPLATES + "unsubscribe.html", context)
    if not context["gone"]:
        changes = unsubscribe(link.user, link.category, link.target)
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        record_recipient_changes(
            link.user,
            changes,
            ConsentChange.ONE_CLICK if one_click else ConsentChange.UNSUBSCRIBE_PAGE,
            detail=_("link for %(category)s on %(channel)s")
            % {
                "category": link.category_key or _("every category"),
                "channel": link.target.name,
            },
        )
        context["preferences_url"] = preferences_url(link.user)
    return render(request, TEMPLATES + "unsubscribed.html", context)


def recipient_targets(user):
    """The channels the recipient has an address in (active or not)."""
    return list(
        NotificationTarget.objects.filter(user_records__user=user)
        .distinct()
        .order_by("name")
    )


@never_cache
def preferences_view(request, token):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        user = read_preferences(token)
    except BadToken:
        return invalid(request)
    if user is None:
        return render(request, TEMPLATES + "invalid.html", {"gone": True}, status=404)
    grid = build_grid(user, recipient_targets(user))
    settings_row = RecipientSettings.objects.filter(user=user).first()
    form = QuietHoursForm(
        request.POST if request.method == "POST" else None,
        instance=settings_row or RecipientSettings(user=user),
    )
    if request.method == "POST" and form.is_valid():
        save_preferences(user, grid, form, request.POST)
        return HttpResponseRedirect(request.path + "?saved=1")
    context = {
        "grid": grid,
        "form": form,
        "shown_field": SHOWN,
        "saved": request.GET.get("saved") == "1" and request.method != "POST",
        "user_name": user.get_full_name() or user.get_username(),
    }
    return render(request, TEMPLATES + "preferences.html", context)


def save_preferences(user, grid, form, data):
    with transaction.atomic():
        changes = apply_grid(user, wanted_from_post(grid, data))
        record_recipient_changes(
            user, changes, ConsentChange.PREFERENCE_PAGE, _("preference page")
        )
        if form.has_changed():
            form.save()
            ConsentChange.objects.create(
                user=user,
                via=ConsentChange.PREFERENCE_PAGE,
                enabled=None,
                detail=form.describe()[:200],
            )
