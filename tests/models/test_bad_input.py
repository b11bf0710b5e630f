"""Bad input, generated (hypothesis) and by hand: creator arguments, addresses,
CSV files and command arguments. Never a crash other than the documented
errors, never a partial write, and every message names what was wrong."""

import datetime as dt
import subprocess
import sys
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from hypothesis import example, given
from hypothesis import strategies as st

from notify_admin.channels.registry import BUILT_IN
from notify_admin.creators import create_notification
from notify_admin.exceptions import NotificationsNotCreated, UserHasNoTargetRecords
from notify_admin.models import (
    DeliveryRun,
    Notification,
    NotificationTarget,
    TargetUserRecord,
)
from tests.support.hostile import EXAMPLES, NASTY, isolated
from tests.support.processes import ROOT, child_env
from tests.support.reliability_tally import tally

pytestmark = pytest.mark.django_db

CONTROL = "".join(chr(c) for c in range(0, 32)) + "\x7f"


def snapshot_notifications():
    return sorted(Notification.objects.values_list("pk", "title", "status"))


# -- creator arguments ----------------------------------------------------------


@pytest.fixture
def person(make_user, make_record):
    user = make_user()
    make_record(user, "email")
    make_record(user, "twilio")
    make_record(user, "expo")
    return user


def create_or_refuse(person, **kwargs):
    """Call the creator; return the rows, or the NotificationsNotCreated text.

    Any other exception fails the test, and a refusal must change nothing.
    """
    kwargs.setdefault("title", "Title")
    kwargs.setdefault("body", "Body")
    before = snapshot_notifications()
    try:
        rows = create_notification(person, **kwargs)
    except NotificationsNotCreated as err:
        assert snapshot_notifications() == before
        return str(err)
    for row in rows:
        row.refresh_from_db()  # what was stored reads back as given
        assert row.title == kwargs["title"]
    return rows


@EXAMPLES
@given(title=NASTY, body=NASTY)
@example(title="x" * 201, body="b")
@example(title="🔔" * 200, body="🎉" * 10_000)
@example(title="nul\x00title", body="b")
@example(title="t", body="nul\x00body")
@example(title=CONTROL, body=CONTROL)
def test_creator_with_any_title_and_body(person, title, body):
    tally("inputs tried")

    def check():
        outcome = create_or_refuse(person, title=title, body=body)
        if isinstance(outcome, str):
            reasons = []
            if len(title) > 200 or "\x00" in title or not title:
                reasons.append("title")
            if "\x00" in body or not body:
                reasons.append("body")
            assert reasons, outcome
            assert any(field in outcome for field in reasons), outcome
        else:
            assert len(outcome) == 3
            assert len(title) <= 200 and "\x00" not in title + body

    isolated(check)


@pytest.mark.parametrize(
    "extra",
    ["not a dict", ["a", "list"], 5, 1.5, True, {"data": {"k": "nul\x00"}}, {"x": {1}}],
)
def test_creator_refuses_extra_that_is_not_a_json_object(person, extra):
    tally("inputs tried")
    outcome = create_or_refuse(person, extra=extra)
    assert isinstance(outcome, str)
    assert "extra" in outcome
    assert Notification.objects.count() == 0


@EXAMPLES
@given(
    extra=st.dictionaries(
        st.text(max_size=20),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=50),
            lambda children: (
                st.lists(children, max_size=3)
                | st.dictionaries(st.text(max_size=10), children, max_size=3)
            ),
            max_leaves=10,
        ),
        max_size=5,
    )
)
def test_creator_with_any_json_object_extra(person, extra):
    tally("inputs tried")

    def check():
        outcome = create_or_refuse(person, extra=extra)
        has_nul = "\\u0000" in repr(extra).encode("unicode_escape").decode() or any(
            "\x00" in s for s in _strings(extra)
        )
        if isinstance(outcome, str):
            assert has_nul and "extra" in outcome, outcome
        else:
            assert not has_nul
            assert [row.extra for row in outcome] == [extra] * 3

    isolated(check)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize(
    "when",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
        dt.datetime(3000, 1, 1, tzinfo=dt.UTC),
    ],
)
def test_creator_dates_far_in_the_past_and_future(person, when):
    tally("inputs tried")
    rows = create_or_refuse(person, scheduled_delivery=when)
    assert [row.scheduled_delivery for row in rows] == [when] * 3
    due = Notification.objects.due(timezone.now()).count()
    assert due == (3 if when < timezone.now() else 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"scheduled_delivery": "tomorrow"},
        {"retry_time_interval": -1},
        {"max_retries": -3},
        {"max_retries": "many"},
    ],
)
def test_creator_refuses_other_bad_arguments_naming_them(person, fields):
    tally("inputs tried")
    outcome = create_or_refuse(person, **fields)
    assert isinstance(outcome, str)
    assert next(iter(fields)) in outcome


# -- addresses per channel --------------------------------------------------------

ADDRESS_GUESSES = st.one_of(
    NASTY,
    st.emails().map(lambda e: e[:300]),
    st.from_regex(r"\+?[0-9 ()\-.]{0,25}", fullmatch=True),
    st.from_regex(r"Expo(nent)?PushToken\[[A-Za-z0-9_\-:.]{0,250}\]", fullmatch=True),
)


@EXAMPLES
@given(
    module=st.sampled_from(["email", "twilio", "expo", "webpush"]),
    address=ADDRESS_GUESSES,
)
@example(module="email", address=("a" * 64 + "@" + "b" * 63 + ".") * 2 + "com")
@example(module="expo", address="ExponentPushToken[" + "x" * 250 + "]")
@example(module="twilio", address="+1 415 555 2671\x00")
@example(module="email", address="")
@example(module="webpush", address='{"endpoint": "https://x.example/\x00"}')
def test_any_address_is_saved_normalised_or_refused_naming_the_field(
    make_user, targets, module, address
):
    tally("inputs tried")
    user = make_user()

    def check():
        record = TargetUserRecord(
            user=user, target=targets[module], target_user_id=address
        )
        try:
            record.save()
        except ValidationError as err:
            assert list(err.message_dict) == ["target_user_id"], err
            assert TargetUserRecord.objects.filter(user=user).count() == 0
            return
        record.refresh_from_db()
        limit = TargetUserRecord._meta.get_field("target_user_id").max_length
        assert 0 < len(record.target_user_id) <= limit
        assert "\x00" not in record.target_user_id

    isolated(check)


# -- CSV import files --------------------------------------------------------------

CELL = st.one_of(
    st.sampled_from(["alice", "bob", "nobody", "", "Email", "Twilio", "Expo", "Fax"]),
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=["Cs"], exclude_characters="\r"
        ),
        max_size=40,
    ),
    st.sampled_from(
        [
            "alice@example.com",
            "+1 415 555 2671",
            "ExponentPushToken[abc]",
            "not-an-address",
            "=cmd|' /C calc'!A0",
            "x" * 250,
            "yes",
            "0",
            "maybe",
        ]
    ),
)
ROW = st.tuples(CELL, CELL, CELL, CELL, CELL)
HEADER = "user,target,target_user_id,description,active"


def csv_text(rows):
    def quote(cell):
        return '"' + cell.replace('"', '""') + '"'

    return HEADER + "\n" + "\n".join(",".join(map(quote, row)) for row in rows) + "\n"


@pytest.fixture
def csv_people(make_user):
    make_user(username="alice", email="alice@example.com")
    make_user(username="bob", email="bob@example.com")


@EXAMPLES
@given(
    rows=st.lists(ROW, min_size=1, max_size=6),
    poison=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_generated_csv_imports_all_or_nothing(
    csv_people, tmp_path, rows, poison, encoding
):
    tally("inputs tried")
    if poison:
        # One row that can never be valid: the whole file must be refused.
        rows = [*rows, ("alice", "Email", "not an address", "", "")]
    path = tmp_path / "generated.csv"
    path.write_bytes(csv_text(rows).encode(encoding))

    def check():
        before = sorted(TargetUserRecord.objects.values_list("pk", flat=True))
        out, err = StringIO(), StringIO()
        try:
            call_command(
                "import_target_user_records", str(path), stdout=out, stderr=err
            )
        except CommandError as refused:
            assert refused.returncode == 1
            assert sorted(TargetUserRecord.objects.values_list("pk", flat=True)) == (
                before
            )
            # Row errors say where (line and column); a file error names the file.
            said = err.getvalue() + str(refused)
            assert "line " in said or "error:" in said or str(path) in said, said
            assert "Traceback" not in out.getvalue() + err.getvalue()
            return
        assert not poison, out.getvalue()
        assert TargetUserRecord.objects.count() >= len(before)

    isolated(check)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02\xff\xfe",
        b"just one column\nx\n",
        b"user,target\nalice,Email\n",
        HEADER.encode() + b"\n" + b'"unterminated,quote\n',
        HEADER.encode() + b"\nalice,Email,alice@example.com," + b"d" * 500 + b",yes\n",
        HEADER.encode() + b"\nalice,Email,alice@example.com,,perhaps\n",
    ],
    ids=[
        "empty",
        "binary",
        "no-columns",
        "missing-columns",
        "bad-quote",
        "long-description",
        "bad-active",
    ],
)
def test_broken_csv_files_by_hand(csv_people, tmp_path, content):
    tally("inputs tried")
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_target_user_records", str(path), stdout=out, stderr=err)
    assert refused.value.returncode == 1
    assert TargetUserRecord.objects.count() == 0
    assert str(refused.value) or err.getvalue()


# -- management-command arguments ---------------------------------------------------

BAD_ARGUMENTS = [
    (["--batch-size", "0"], "--batch-size"),
    (["--batch-size", "-1"], "--batch-size"),
    (["--batch-size", "abc"], "--batch-size"),
    (["--limit", "-5"], "--limit"),
    (["--limit", "1.5"], "--limit"),
    (["--loop", "-1"], "--loop"),
    (["--loop", "nan"], "--loop"),
    (["--loop", "inf"], "--loop"),
    (["--target", "unknown"], "unknown"),
    (["--target", ""], "target"),
    (["--no-such-option"], "unrecognized"),
]


@pytest.fixture
def one_due(make_user, make_record):
    record = make_record(make_user(), "email")
    return Notification.objects.create(user_target=record, title="t", body="b")


@pytest.mark.parametrize(("args", "named"), BAD_ARGUMENTS)
def test_bad_command_arguments_change_nothing(one_due, args, named):
    tally("inputs tried")
    before = snapshot_notifications()
    with pytest.raises(CommandError) as refused:
        call_command(
            "process_notifications", *args, stdout=StringIO(), stderr=StringIO()
        )
    assert named in str(refused.value)
    assert snapshot_notifications() == before
    assert DeliveryRun.objects.count() == 0


@EXAMPLES
@given(value=st.text(max_size=12))
def test_any_batch_size_is_used_or_refused(one_due, value):
    tally("inputs tried")

    def check():
        try:
            number = int(value)
        except ValueError:
            number = None
        try:
            call_command(
                "process_notifications",
                f"--batch-size={value}",
                "--dry-run",
                stdout=StringIO(),
                stderr=StringIO(),
            )
        except CommandError as refused:
            assert "--batch-size" in str(refused)
            assert number is None or number < 1
            return
        assert number is not None and number >= 1

    isolated(check)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [["--batch-size", "abc"], ["--loop", "-1"], ["--limit", "-5"]]
)
def test_bad_arguments_exit_non_zero_with_a_usage_message(args, tmp_path):
    tally("inputs tried")
    env = child_env(DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}")
    done = subprocess.run(
        [sys.executable, "manage.py", "process_notifications", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "usage: manage.py process_notifications" in done.stderr
    assert args[0] in done.stderr
    assert "Traceback" not in done.stderr


def test_usernames_with_nasty_text_still_get_a_clear_answer(db):
    # Users with odd names do not confuse the creator's messages.
    user = get_user_model().objects.create_user(username="<b>\u202e🙂", email="")
    with pytest.raises(UserHasNoTargetRecords, match=f"User {user.pk} "):
        create_notification(user, "t", "b")
    assert create_notification(user, "t", "b", quiet=True) == []
    # Nothing created, not even a target: the built-in ones only.
    assert NotificationTarget.objects.count() == len(BUILT_IN)
