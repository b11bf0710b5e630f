"""Which language version a recipient gets: argument, hook, fallback."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from notify_admin.exceptions import TemplateNotFound
from notify_admin.models import Notification
from notify_admin.rendering import languages


@pytest.fixture
def welcome(make_template):
    return make_template(
        "welcome",
        sms_text="Welcome ((first_name))",
        languages={
            "fr": {"sms_text": "Bienvenue ((first_name))"},
            "pt-br": {"sms_text": "Bem-vindo ((first_name))"},
        },
    )


@pytest.fixture
def sms_reader(make_user, make_record):
    user = make_user(username="ann", first_name="Ann")
    make_record(user, "twilio")
    return user


def sms_body(template, user, **kwargs):
    (row,) = Notification.objects.create_from_template(template, user, **kwargs)
    return row.body


def test_fallback_chain():
    assert languages.fallback_chain("fr-CA") == ["fr-ca", "fr", "en-us", "en"]
    assert languages.fallback_chain("de_AT") == ["de-at", "de", "en-us", "en"]
    assert languages.fallback_chain(None) == ["en-us", "en"]


def test_the_site_language_without_a_hook(welcome, sms_reader, settings):
    settings.LANGUAGE_CODE = "en-us"
    assert sms_body(welcome, sms_reader) == "Welcome Ann"
    settings.LANGUAGE_CODE = "fr"
    assert sms_body(welcome, sms_reader) == "Bienvenue Ann"


def test_the_language_argument_wins_and_falls_back(welcome, sms_reader):
    assert sms_body(welcome, sms_reader, language="fr-ca") == "Bienvenue Ann"
    assert sms_body(welcome, sms_reader, language="pt_BR") == "Bem-vindo Ann"
    # pt (no version of its own) and de fall back to the site's language.
    assert sms_body(welcome, sms_reader, language="pt") == "Welcome Ann"
    assert sms_body(welcome, sms_reader, language="de") == "Welcome Ann"


def test_hook_as_a_user_attribute(welcome, sms_reader, settings):
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = "user.last_name"
    sms_reader.last_name = "fr"
    assert sms_body(welcome, sms_reader) == "Bienvenue Ann"
    sms_reader.last_name = ""
    assert sms_body(welcome, sms_reader) == "Welcome Ann"


def user_language(user):
    return {"ann": "pt-BR"}.get(user.username)


def test_hook_as_a_dotted_path_or_a_callable(welcome, sms_reader, settings):
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = (
        "tests.templates.test_languages.user_language"
    )
    assert sms_body(welcome, sms_reader) == "Bem-vindo Ann"
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = lambda user: "fr"
    assert sms_body(welcome, sms_reader) == "Bienvenue Ann"
    assert sms_body(welcome, sms_reader, language="en") == "Welcome Ann"


def test_a_broken_hook_setting_names_the_setting(welcome, sms_reader, settings):
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = "no.such.module.hook"
    with pytest.raises(ImproperlyConfigured, match="NOTIFICATION_SYSTEM_USER_LANGUAGE"):
        Notification.objects.create_from_template(welcome, sms_reader)


def test_no_version_in_any_fallback(make_template, sms_reader, settings):
    french_only = make_template("fr_only", languages={"fr": {"sms_text": "Salut"}})
    with pytest.raises(TemplateNotFound, match="no version in de or in the default"):
        Notification.objects.create_from_template(
            french_only, sms_reader, language="de"
        )
    assert sms_body(french_only, sms_reader, language="fr-be") == "Salut"


def test_a_broken_hook_is_a_system_check_error(settings):
    from notify_admin.rendering.hook_check import check_language_hook

    assert check_language_hook() == []
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = "tests.templates.test_languages.nope"
    (error,) = check_language_hook()
    assert error.id == "notify_admin.E040"
    assert "NOTIFICATION_SYSTEM_USER_LANGUAGE" in error.msg
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = 42
    assert check_language_hook()[0].id == "notify_admin.E040"
    settings.NOTIFICATION_SYSTEM_USER_LANGUAGE = "user.profile.language"
    assert check_language_hook() == []
