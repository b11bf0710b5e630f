"""A job's notifications counted by status and channel."""


def job_counts(job):
    raise NotImplementedError("send jobs: counts come in the next commit")
