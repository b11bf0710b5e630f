"""What the send-job API raises on purpose (messages meant for staff)."""

from ..exceptions import NotificationSystemError


class JobError(NotificationSystemError):
    """A send job cannot do what was asked; the message says why."""


class JobNotStartable(JobError):
    """The job is not in a state that may start (already started, cancelled)."""


class ApprovalRequired(JobError):
    """The job is above the approval threshold and nobody approved it yet."""


class ApprovalRefused(JobError):
    """This user may not approve this job (its creator, or no send permission)."""


class DuplicateJob(JobError):
    """The same file was sent to the same template lately: ``earlier`` is
    that job; start again with ``confirmed_duplicate=True`` to send anyway."""

    def __init__(self, message, earlier):
        self.earlier = earlier
        super().__init__(message)
