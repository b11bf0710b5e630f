"""Headers an email must carry on one line, unfolded: ``List-Unsubscribe``.

Python's email package folds a header longer than 78 characters; a URL has
no space to fold at, so it is rewritten as RFC 2047 encoded words
(``=?utf-8?q?=3Chttps=3A//...?=``), which mail providers do not read as a
List-Unsubscribe URL (RFC 2369 headers are not encoded text). A header value
wrapped in :class:`OneLineHeader` is written as it is, on one line (RFC 5322
allows up to 998 characters), by both of Django's message builders: the
legacy one (Django 5.2, ``compat32`` policy: ``Header.encode``) and the
modern one (Django 6, ``email.policy``: ``fold``).
"""

from django.core.mail import EmailMessage, EmailMultiAlternatives

ONE_LINE_HEADERS = ("List-Unsubscribe",)


class OneLineHeader:
    """A header value the email generator writes unfolded. Not a ``str``:
    the generator folds strings itself."""

    def __init__(self, name, value):
        self.name = name
        self.value = value

    def __str__(self):
        return self.value

    # compat32 (Django 5.2): the generator calls this as on email.header.Header.
    def encode(self, linesep="\n", maxlinelen=None, **kwargs):
        return self.value

    # email.policy (Django 6): the generator calls this as on a header object.
    def fold(self, *, policy):
        return f"{self.name}: {self.value}{policy.linesep}"


class OneLineHeadersMixin:
    def message(self, *args, **kwargs):
        msg = super().message(*args, **kwargs)
        for name in ONE_LINE_HEADERS:
            value = msg[name]
            if value is not None:
                msg.replace_header(name, OneLineHeader(name, str(value)))
        return msg


class NotificationEmail(OneLineHeadersMixin, EmailMessage):
    pass


class NotificationEmailAlternatives(OneLineHeadersMixin, EmailMultiAlternatives):
    pass
