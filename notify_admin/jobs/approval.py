"""The second-person rule: a large job waits for approval by someone else who
may send notifications."""


def needs_approval(job):
    raise NotImplementedError("send jobs: approval comes in the next commit")


def approve(job, user):
    raise NotImplementedError("send jobs: approval comes in the next commit")
