"""The placeholder grammar: parsing, syntax errors, substitution, escaping."""

import pytest
from django.utils.html import escape

from notify_admin.rendering import grammar


def test_placeholders_are_found_in_order_with_their_first_spelling():
    text = "Hi ((First name)), your code is ((code)). Again: ((first_name))."
    assert grammar.names(text) == ["First name", "code"]


def test_names_compare_without_case_spaces_underscores_or_hyphens():
    assert grammar.make_key("First name") == grammar.make_key("first_name")
    assert grammar.make_key("ORDER-ID") == grammar.make_key("order id")
    out = grammar.substitute(
        "((First Name)) ((order-id))", {"firstname": "Ann", "orderid": 7}
    )
    assert out == "Ann 7"


def test_optional_text_shows_for_yes_and_true_only():
    text = "Thanks.((is_member?? Members get free delivery.))"
    shown = {"yes", "Y", "true", "T", "1", "include", "show", True}
    for value in shown:
        assert grammar.substitute(text, {"ismember": value}).endswith("free delivery.")
    for value in ("no", "false", "0", "", False, "maybe"):
        assert grammar.substitute(text, {"ismember": value}) == "Thanks."


def test_optional_text_keeps_its_question_marks_after_the_first_pair():
    placeholder = grammar.find("((x??Really?? Yes.))")[0]
    assert placeholder.name == "x"
    assert placeholder.optional_text == "Really?? Yes."


def test_values_are_escaped_only_when_asked_and_the_template_text_never():
    text = "<p>((name)) ((vip??<b>VIP</b>))</p>"
    values = {"name": "<script>alert(1)</script>", "vip": "yes"}
    html = grammar.substitute(text, values, escape=escape)
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; <b>VIP</b></p>"
    assert grammar.substitute(text, values).startswith("<p><script>")


def test_a_value_that_looks_like_a_placeholder_is_not_substituted_again():
    out = grammar.substitute("((a)) ((b))", {"a": "((b))", "b": "B"})
    assert out == "((b)) B"


def test_braces_and_django_template_syntax_are_plain_text():
    text = "{{ settings.SECRET_KEY }} {% load static %} {# x #} ((name))"
    assert grammar.names(text) == ["name"]
    assert grammar.syntax_errors(text) == []
    out = grammar.substitute(text, {"name": "{% now 'Y' %}"})
    assert out == "{{ settings.SECRET_KEY }} {% load static %} {# x #} {% now 'Y' %}"


def test_unicode_names_and_values():
    out = grammar.substitute(
        "Grüße, ((名前)) ((emoji))", {"名前": "Jürgen", "emoji": "🎉"}
    )
    assert out == "Grüße, Jürgen 🎉"


def test_lists_are_joined_and_booleans_read_as_yes_no():
    out = grammar.substitute(
        "((items)) / ((flag))", {"items": ["a", None, 2], "flag": False}
    )
    assert out == "a, 2 / no"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("Hello ((name", "unclosed", 1),
        ("one\ntwo ((name)\nthree", "unclosed", 2),
        ("((a((b))c))", "nested", 1),
        ("((a(b)c))", "nested", 1),
        ("(())", "nested", 1),  # "(())": no body at all, brackets inside
        ("(( ))", "empty_name", 1),
        ("((??text))", "empty_name", 1),
        ("((" + "n" * 101 + "))", "long_name", 1),
        ("((first\nname))", "bad_name", 1),
    ],
)
def test_malformed_placeholders_are_reported_with_their_line(text, code, line):
    problems = grammar.syntax_errors(text)
    assert [(p.code, p.line) for p in problems][:1] == [(code, line)]


def test_well_formed_text_and_lone_brackets_are_fine():
    assert grammar.syntax_errors("Smile :)) or (( not")[0].code == "unclosed"
    assert grammar.syntax_errors("(((name))) and (a) and :))") == []
    assert grammar.substitute("(((name)))", {"name": "x"}) == "(x)"


def test_nested_placeholders_do_not_nest():
    # The grammar's body is [^()]+: only the inner one is a placeholder.
    assert grammar.names("((a((b))c))") == ["b"]


def test_syntax_check_is_linear_on_a_hostile_100_kb_text():
    text = "((" * 50_000 + "x"
    problems = grammar.syntax_errors(text)
    assert len(problems) == 1 and problems[0].code == "unclosed"
    problems = grammar.syntax_errors("((a)" * 25_000)
    assert len(problems) == grammar.MAX_PROBLEMS
    assert {p.code for p in problems} == {"unclosed"}
    problems = grammar.syntax_errors("((a)" * 25_000 + "))")
    assert {p.code for p in problems} == {"nested"}
