"""What a template version holds, channel part by channel part.

Rendering reads a version through these names only, so anything with the
same attributes (a saved version, an unsaved one built from a form, a
mapping from an import row) renders the same way.
"""

from collections.abc import Mapping
from dataclasses import dataclass

EMAIL, SMS, PUSH = "email", "sms", "push"
PARTS = (EMAIL, SMS, PUSH)

#: The fields of each part; the first of each is required for the part to exist.
PART_FIELDS = {
    EMAIL: ("email_subject", "email_text", "email_html"),
    SMS: ("sms_text", "allow_long_sms"),
    PUSH: ("push_title", "push_body", "push_data"),
}
TEXT_FIELDS = (
    "email_subject",
    "email_text",
    "email_html",
    "sms_text",
    "push_title",
    "push_body",
)
CONTENT_FIELDS = (*TEXT_FIELDS, "allow_long_sms", "push_data")
#: The longest text a field takes (characters, before substitution).
MAX_LENGTHS = {
    "email_subject": 200,
    "email_text": 200_000,
    "email_html": 500_000,
    "sms_text": 1600,
    "push_title": 200,
    "push_body": 4000,
}


@dataclass(frozen=True)
class Problem:
    """Something wrong with a field (``""``: the template as a whole)."""

    field: str
    message: str
    code: str = "invalid"


def content_of(version):
    """The content fields of ``version`` (an object or a mapping) as a dict."""
    if isinstance(version, Mapping):
        get = version.get
    else:

        def get(name, default=None):
            return getattr(version, name, default)

    content = {name: get(name, "") or "" for name in TEXT_FIELDS}
    content["allow_long_sms"] = bool(get("allow_long_sms", False))
    data = get("push_data", None)
    content["push_data"] = data if data not in (None, "") else {}
    return content


def parts_of(content):
    """The parts a version includes: those whose main text is filled in."""
    present = []
    if content["email_subject"].strip() or content["email_text"].strip():
        present.append(EMAIL)
    if content["sms_text"].strip():
        present.append(SMS)
    if content["push_title"].strip() or content["push_body"].strip():
        present.append(PUSH)
    return present
