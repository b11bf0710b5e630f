"""Rendering a version's parts for one recipient, and checking its content."""

from types import SimpleNamespace

import pytest

from notify_admin.exceptions import TemplateChannelMissing, TemplateRenderError
from notify_admin.rendering import (
    Renderer,
    check_content,
    errors_by_field,
    placeholders,
    render,
    render_all,
)

VERSION = {
    "email_subject": "Your order ((order)) has shipped",
    "email_text": (
        "Hello ((first_name)),\n((order)) is on its way.((vip?? Free delivery.))"
    ),
    "email_html": "<p>Hello ((first_name)), <b>((order))</b>((vip??<i>Free</i>))</p>",
    "sms_text": "Order ((order)) shipped",
    "push_title": "Shipped: ((order))",
    "push_body": "Hi ((first_name))",
    "push_data": {
        "url": "/orders/((order))",
        "count": 1,
        "nested": [{"o": "((order))"}],
    },
}


def user(**kw):
    values = {
        "username": "ann",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "a@x.io",
    }
    values.update(kw)
    return SimpleNamespace(
        get_username=lambda: values["username"],
        get_email_field_name=lambda: "email",
        **{k: v for k, v in values.items() if k != "username"},
    )


def test_email_subject_text_and_html_with_values_escaped_only_in_html():
    hostile = "<script>alert('x')</script>"
    message = render(VERSION, {"order": hostile, "vip": "yes"}, "email", user=user())
    assert message.title == f"Your order {hostile} has shipped"
    assert message.body == f"Hello Ann,\n{hostile} is on its way. Free delivery."
    assert message.extra == {
        "html": "<p>Hello Ann, <b>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</b>"
        "<i>Free</i></p>"
    }


def test_subject_is_one_line_whatever_the_values():
    message = render(
        VERSION, {"order": "A\r\nBcc: evil@x.io", "vip": "no"}, "email", user=user()
    )
    assert message.title == "Your order A Bcc: evil@x.io has shipped"


def test_built_in_values_come_from_the_user_and_personalisation_wins():
    assert (
        render(VERSION, {"order": 1, "vip": ""}, "push", user=user()).body == "Hi Ann"
    )
    own = {"order": 1, "First Name": "Annie"}
    assert render(VERSION, own, "push", user=user()).body == "Hi Annie"


def test_a_missing_value_is_named_and_unknown_keys_are_ignored():
    with pytest.raises(TemplateRenderError) as caught:
        render(VERSION, {"unknown": "x", "vip": "no"}, "email")
    # In the order the template uses them (the subject first).
    assert str(caught.value) == "Missing personalisation: order, first_name"
    assert caught.value.missing == ["order", "first_name"]
    # None counts as missing, as in GOV.UK Notify.
    with pytest.raises(TemplateRenderError, match="Missing personalisation: order"):
        render(VERSION, {"order": None}, "sms")


def test_optional_placeholders_need_their_value_too():
    with pytest.raises(TemplateRenderError, match="Missing personalisation: vip"):
        render(VERSION, {"order": "1"}, "email", user=user())


def test_a_value_of_the_wrong_type_is_refused_with_its_name():
    with pytest.raises(TemplateRenderError, match="“order” must be text or a number"):
        render(VERSION, {"order": {"a": 1}}, "sms")
    # ... but not when no placeholder of the part uses it.
    assert (
        render(VERSION, {"order": 1, "other": {"a": 1}}, "sms").body
        == "Order 1 shipped"
    )


def test_sms_is_measured_again_after_substitution_gsm7_to_ucs2():
    version = {**VERSION, "sms_text": "Hello ((name)), your parcel is on its way. " * 2}
    plain = render(version, {"name": "Ann"}, "sms")
    assert plain.sms_size.encoding == "GSM-7"
    assert plain.sms_size.segments == 1
    # One emoji makes the whole message UCS-2: 70 characters a segment.
    with pytest.raises(TemplateRenderError, match="needs 2 segments") as caught:
        render(version, {"name": "Ann 😀"}, "sms")
    assert caught.value.problems[0].field == "sms_text"
    allowed = render({**version, "allow_long_sms": True}, {"name": "Ann 😀"}, "sms")
    assert (allowed.sms_size.encoding, allowed.sms_size.segments) == ("UCS-2", 2)


def test_sms_title_is_the_template_name():
    assert (
        render(VERSION, {"order": 1}, "sms", label="Order shipped").title
        == "Order shipped"
    )


def test_push_data_strings_are_filled_in_and_the_rest_kept():
    message = render(VERSION, {"order": "A1"}, "push", user=user())
    assert message.title == "Shipped: A1"
    assert message.extra == {
        "data": {"url": "/orders/A1", "count": 1, "nested": [{"o": "A1"}]}
    }
    assert set(message.sizes) == {"expo", "webpush"}
    assert message.sizes["expo"].summary.startswith("Push payload: ")
    assert not message.sizes["expo"].error


def test_push_payload_is_measured_after_substitution_by_each_push_channel():
    # 3,995 bytes of body: within Expo's 4,096, over Web Push's 3,993.
    big = {"order": "1", "first_name": "x" * 3900}
    with pytest.raises(TemplateRenderError) as caught:
        render(VERSION, big, "push")
    (problem,) = caught.value.problems
    assert problem.field == "push_body"
    assert "push services take at most 3993" in problem.message
    # Measured only for the channel a row goes to (what the creation does).
    message = render(VERSION, big, "push", modules=["expo"])
    assert not message.sizes["expo"].error
    with pytest.raises(TemplateRenderError, match="Expo accepts at most 4096"):
        render(VERSION, {"order": "1", "first_name": "x" * 5000}, "push")


def test_a_part_the_template_leaves_out_is_its_own_error():
    email_only = {"email_subject": "S", "email_text": "T"}
    with pytest.raises(TemplateChannelMissing, match="no SMS part"):
        render(email_only, {}, "sms")


def test_render_all_gives_every_part_or_its_problems():
    rendered, problems = render_all(VERSION, {"order": "1", "vip": "no"}, user=user())
    assert set(rendered) == {"email", "sms", "push"}
    rendered, problems = render_all(VERSION, {}, user=user())
    assert rendered == {}
    assert problems["sms"][0].message == "Missing personalisation: order"


def test_placeholders_of_a_version_with_and_without_the_built_in_ones():
    assert placeholders(VERSION) == ["order", "first_name", "vip"]
    assert placeholders(VERSION, built_in=False) == ["order", "vip"]
    assert Renderer(VERSION).placeholders(["sms"]) == ["order"]


def test_the_django_template_language_never_runs():
    version = {"sms_text": "{{ user.password }} {% debug %} ((x))"}
    assert render(version, {"x": "{{ 1|add:1 }}"}, "sms").body == (
        "{{ user.password }} {% debug %} {{ 1|add:1 }}"
    )


# -- checking content before it is saved -------------------------------------


def test_a_good_version_has_no_problems():
    assert check_content(VERSION) == []


def test_problems_are_given_by_field():
    errors = errors_by_field(
        check_content(
            {
                "email_subject": "Hi ((name",
                "email_text": "Hello",
                "email_html": "<p>((name)) ((code))</p>",
                "push_body": "body only",
            }
        )
    )
    assert errors["email_subject"] == ["Line 1: “((name” is not closed: add “))”."]
    assert errors["email_html"] == [
        "((name)), ((code)) are used in the HTML but not in the plain text: "
        "readers of the plain text would miss them."
    ]
    assert errors["push_title"] == ["A push message needs a title."]


def test_no_channel_at_all_is_an_error_of_the_whole_template():
    assert errors_by_field(check_content({}))[""][0].startswith("Fill in at least one")


def test_an_sms_over_one_segment_needs_allow_long_sms():
    long = {"sms_text": "x" * 161}
    assert (
        "tick “Allow long SMS”" in errors_by_field(check_content(long))["sms_text"][0]
    )
    assert check_content({**long, "allow_long_sms": True}) == []


def test_deep_or_non_object_push_data_is_refused():
    deep = {"a": 1}
    for _ in range(40):
        deep = {"d": deep}
    version = {"push_title": "t", "push_body": "b"}
    errors = errors_by_field(check_content({**version, "push_data": deep}))
    assert "nests more than 32 levels" in errors["push_data"][0]
    errors = errors_by_field(check_content({**version, "push_data": [1, 2]}))
    assert errors["push_data"] == ["Push data must be a JSON object ({...})."]


def test_too_long_and_nul_text_is_refused_before_anything_else():
    errors = errors_by_field(
        check_content(
            {"email_subject": "s", "email_text": "x" * 200_001, "sms_text": "a\x00"}
        )
    )
    assert errors["email_text"][0].startswith("At most 200000 characters")
    assert errors["sms_text"] == ["NUL characters are not allowed."]
