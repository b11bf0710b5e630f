"""Saving a checked file as a job."""


def prepare_job(check, uploaded_file, *, template, by, scheduled_for=None):
    raise NotImplementedError("send jobs: prepare_job comes in the next commit")
