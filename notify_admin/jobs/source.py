"""What ``check_file`` and ``prepare_job`` accept as "the file": a Django
upload (``request.FILES[...]``), any binary file object with a ``name``, or a
path (the ``send_job`` command)."""

import os
from contextlib import contextmanager


def file_name(uploaded):
    if isinstance(uploaded, str | os.PathLike):
        name = os.fspath(uploaded)
    else:
        name = getattr(uploaded, "name", "") or ""
    return os.path.basename(str(name))[:255] or "upload.csv"


def file_size(uploaded):
    """The size when known without reading (None otherwise)."""
    if isinstance(uploaded, str | os.PathLike):
        return os.path.getsize(uploaded)
    size = getattr(uploaded, "size", None)
    return size if isinstance(size, int) else None


@contextmanager
def opened(uploaded):
    """The file's bytes from their start, as a binary stream."""
    if isinstance(uploaded, str | os.PathLike):
        with open(uploaded, "rb") as stream:
            yield stream
        return
    if hasattr(uploaded, "open") and getattr(uploaded, "closed", False):
        uploaded.open("rb")  # a Django File that was closed: reopen it
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    yield uploaded
