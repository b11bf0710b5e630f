"""The send jobs' settings (NOTIFICATION_SYSTEM_SEND_JOB_*), read at call time."""

from datetime import timedelta

from ..conf import get_setting

#: A value longer than this (characters) is a row problem: no message part
#: needs more, and it keeps a hostile cell from reaching the renderer.
MAX_VALUE_LENGTH = 10_000
#: Columns a file may have (user, target and the placeholders fit easily).
MAX_COLUMNS = 100


def max_bytes():
    """NOTIFICATION_SYSTEM_SEND_JOB_MAX_BYTES: the largest file (20 MB)."""
    return int(get_setting("SEND_JOB_MAX_BYTES", 20_000_000))


def max_rows():
    """NOTIFICATION_SYSTEM_SEND_JOB_MAX_ROWS: rows per file (100,000, as
    GOV.UK Notify)."""
    return int(get_setting("SEND_JOB_MAX_ROWS", 100_000))


def max_columns():
    return MAX_COLUMNS


def max_value_length():
    return MAX_VALUE_LENGTH


def approval_threshold():
    """NOTIFICATION_SYSTEM_SEND_JOB_APPROVAL_THRESHOLD: a job sending to more
    recipients than this waits for a second person's approval (1,000; None:
    never)."""
    value = get_setting("SEND_JOB_APPROVAL_THRESHOLD", 1000)
    return None if value is None else int(value)


def background_rows():
    """NOTIFICATION_SYSTEM_SEND_JOB_BACKGROUND_ROWS: a job of more rows than
    this is created in the background (5,000)."""
    return int(get_setting("SEND_JOB_BACKGROUND_ROWS", 5000))


def use_celery():
    """NOTIFICATION_SYSTEM_SEND_JOB_CELERY: hand background creations to a
    Celery task (False: the ``process_send_jobs`` command, run by cron, does
    them; it also does them when the broker refuses the task)."""
    return bool(get_setting("SEND_JOB_CELERY", False))


def duplicate_window():
    """NOTIFICATION_SYSTEM_SEND_JOB_DUPLICATE_HOURS: the same file sent to the
    same template within this asks for a confirmation (24 hours)."""
    return timedelta(hours=float(get_setting("SEND_JOB_DUPLICATE_HOURS", 24)))


def file_days():
    """NOTIFICATION_SYSTEM_SEND_JOB_FILE_DAYS: the stored file of a job never
    started is deleted after this many days (7)."""
    return float(get_setting("SEND_JOB_FILE_DAYS", 7))


def creation_lease():
    """Seconds a background creation holds its job before another worker may
    take it over (renewed with every batch on PostgreSQL)."""
    return float(get_setting("SEND_JOB_LEASE_SECONDS", 600))


def batch_size():
    """NOTIFICATION_SYSTEM_SEND_JOB_BATCH_SIZE: rows checked and created per
    batch (1,000): a batch costs a fixed handful of statements."""
    return int(get_setting("SEND_JOB_BATCH_SIZE", 1000))
