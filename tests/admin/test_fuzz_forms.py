"""Generated fuzz of every add and change form of the console.

For each ModelAdmin registered for notify_admin's models (discovered from
``admin.site._registry``: models added later are walked too) and for the
user admin (its change form carries notify_admin's preference grid), the
form is read from its page as a browser would, then posted with each field
replaced by each hostile value (strings in number fields, huge integers,
NUL bytes, markup, deeply nested JSON, 10,000 characters, forged ids,
unknown choices), and with every field replaced at once. The walk records
every server error and every write by a refused request
(``tests/support/admin_walk.py``); none is allowed. Run on SQLite and, with
DATABASE_URL=postgres://..., on PostgreSQL.
"""

import re

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from tests.support.admin_walk import (
    MARKUP,
    NUL,
    admin_url,
    read_form,
    variants,
    walked_model_admins,
)

pytestmark = pytest.mark.django_db

MODELS = [model for model, _model_admin in walked_model_admins()] + [get_user_model()]


def form_id(model):
    return f"{model._meta.model_name}_form"


def walk_form(walk, url, model, walked=None):
    """Post the form of ``url`` with every variant; returns how many."""
    page = walk.get(url)
    if page.status_code != 200:
        return 0  # no such page for anyone (an add page of a read-only model)
    fields = read_form(page.content, form_id(model))
    count = 0
    # A read-only page has no fields: it is posted anyway, empty and forged.
    posts = (
        variants(fields, walked)
        if fields
        else [
            ("empty", {}),
            ("forged", {"title": MARKUP, "id": "abc", "status": NUL}),
        ]
    )
    for label, data in posts:
        walk.post(url, data, where=f"{url} {label}")
        count += 1
    return count


def notify_admin_fields_of_user_page(admin_user, user, url, walk):
    """The names on the user's change page that notify_admin adds (the
    preference grid, the addresses inline): the host's own user form is
    Django's, not walked here."""
    model_admin = admin.site.get_model_admin(get_user_model())
    request = RequestFactory().get(url)
    request.user = admin_user
    host = set(model_admin.get_form(request, user, change=True).base_fields)
    fields = read_form(walk.get(url).content, form_id(get_user_model()))
    return [name for name in fields if re.sub(r"_\d+$", "", name) not in host]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_no_server_error_and_no_write_on_refusal_in_add_and_change_forms(
    walk, walk_world, model, admin_user
):
    change = admin_url(model, "change", walk_world[model].pk)
    if model is get_user_model():
        walked = notify_admin_fields_of_user_page(
            admin_user, walk_world[model], change, walk
        )
        assert walked, "the user page shows none of notify_admin's fields"
        posted = walk_form(walk, change, model, walked)
    else:
        posted = walk_form(walk, admin_url(model, "add"), model)
        posted += walk_form(walk, change, model)
    assert posted
    assert not walk.failures, walk.report()
    # The walk reached the forms: hostile values were refused.
    assert walk.refusals > 0


def test_a_nul_character_in_json_is_a_form_error(admin_client, walk_world):
    """PostgreSQL's jsonb cannot hold one: found by the walk on PostgreSQL."""
    from notify_admin.models import NotificationTemplate

    template = walk_world[NotificationTemplate]
    url = admin_url(NotificationTemplate, "change", template.pk)
    fields = read_form(admin_client.get(url).content, form_id(NotificationTemplate))
    data = {name: found.value for name, found in fields.items() if found.value}
    data["example_personalisation"] = ['{"code": "a\\u0000b"}']
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["example_personalisation"] == ["NUL characters are not allowed."]
    template.refresh_from_db()
    assert template.example_personalisation == {"code": "1234"}
