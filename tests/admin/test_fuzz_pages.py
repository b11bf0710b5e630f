"""Generated fuzz of what a crafted link can ask of the console (GET).

For each ModelAdmin registered for notify_admin's models (from
``admin.site._registry``) and the user admin: the changelist with each of
its filters' parameters (read from the changelist itself), the search, the
ordering and the page number set to each hostile value; the change,
history and delete pages of ids that are not keys; and Django's
autocomplete endpoint for every autocomplete field, with hostile terms and
field names. No server error (the walk records them), on SQLite and
PostgreSQL; a GET writes nothing (sessions aside).
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.support.admin_walk import (
    ALWAYS,
    DATES,
    KEYS,
    SELECTIONS,
    Failure,
    admin_url,
    walked_model_admins,
)

pytestmark = pytest.mark.django_db

MODELS = [model for model, _model_admin in walked_model_admins()] + [get_user_model()]
VALUES = list(
    dict.fromkeys([*ALWAYS, *KEYS[:2], *KEYS[-2:], *DATES[:2], "1,2,abc", "a=b&c"])
)
CHANGELIST_PARAMS = ["q", "o", "p", "e", "_to_field", "all", "_facets"]


def filter_parameters(walk, model):
    """The query parameters the changelist's own filters read."""
    page = walk.get(admin_url(model, "changelist"))
    names = set(CHANGELIST_PARAMS)
    changelist = page.context["cl"] if page.context else None
    for spec in getattr(changelist, "filter_specs", ()):
        names.update(spec.expected_parameters())
    return sorted(names)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_parameters(walk, walk_world, model):
    url = admin_url(model, "changelist")
    for name in filter_parameters(walk, model):
        for value in VALUES:
            walk.get(f"{url}?{_query({name: value})}", f"{url} {name}={value[:30]!r}")
    for value in VALUES[:8]:
        every = dict.fromkeys(filter_parameters(walk, model), value)
        walk.get(f"{url}?{_query(every)}", f"{url} *={value[:30]!r}")
    assert not walk.failures, walk.report()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_object_pages_of_ids_that_are_not_keys(walk, walk_world, model):
    for view in ("change", "history", "delete"):
        for value in SELECTIONS + [
            "0",
            "987654",
            "00000000-0000-0000-0000-000000000000",
        ]:
            try:
                url = admin_url(model, view, value)
            except Exception:  # noqa: BLE001 (no route for such a value: nothing to ask)
                continue
            response = walk.get(url, f"{view} of {value[:30]!r}")
            if response.status_code == 200 and view != "history":
                walk.failures.append(Failure(url, "a page for a missing object"))
    assert not walk.failures, walk.report()


def autocomplete_fields():
    """``(model, field name)`` of every autocomplete field of the walked admins."""
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True, is_active=True)
    found = []
    for model, model_admin in walked_model_admins():
        for name in model_admin.get_autocomplete_fields(request):
            found.append((model, name))
    return found


def test_the_autocomplete_endpoint(walk, walk_world):
    url = reverse("admin:autocomplete")
    fields = autocomplete_fields()
    assert fields  # the notification's record, the users of records and opt-outs...
    for model, name in fields:
        base = {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": name,
        }
        assert walk.get(f"{url}?{_query({**base, 'term': ''})}").status_code == 200
        for value in VALUES:
            for key in ("term", "page", "field_name", "model_name", "app_label"):
                walk.get(
                    f"{url}?{_query({**base, key: value})}",
                    f"autocomplete {model._meta.label}.{name} {key}={value[:30]!r}",
                )
    assert not walk.failures, walk.report()


def _query(params):
    from urllib.parse import urlencode

    return urlencode(params)


def test_the_admin_site_is_walked_whole():
    """Every notify_admin model with an admin is in the walk (a new one too)."""
    registered = {
        model
        for model in admin.site._registry
        if model._meta.app_label == "notify_admin"
    }
    assert registered <= set(MODELS)


def test_a_nul_byte_in_a_link_is_a_bad_link(admin_client, walk_world):
    """PostgreSQL refuses NUL in any text: the changelist treats it as Django
    treats an unknown lookup, back to the list without the parameters."""
    for model, _model_admin in walked_model_admins():
        url = admin_url(model, "changelist")
        for query in ({"q": "a\x00b"}, {"a\x00b": "1"}, {"o": "1\x00"}):
            response = admin_client.get(url, query)
            assert response.status_code == 302, (url, query)
            assert response.url == f"{url}?e=1"
