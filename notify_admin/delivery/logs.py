"""The engine's structured log lines (logger ``notify_admin.delivery``).

Each line is ``<event> key=value ...`` for people and grep, and carries the
same fields as ``extra`` for JSON log formatters (``record.run_id``, ...).
"""

import logging

# LogRecord's own attributes: an ``extra`` key among them would raise.
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def log_event(logger, level, event, **fields):
    if not logger.isEnabledFor(level):
        return
    text = " ".join(f"{key}={format_value(value)}" for key, value in fields.items())
    extra = {("field_" + k if k in _RESERVED else k): v for k, v in fields.items()}
    logger.log(level, "%s %s", event, text, extra={"event": event, **extra})


def format_value(value):
    if isinstance(value, float):
        return f"{value:.3f}"
    text = str(value)
    if not text or any(c.isspace() for c in text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text
