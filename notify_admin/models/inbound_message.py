from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundMessage(models.Model):
    """An SMS a recipient sent to one of our numbers (Twilio's signed inbound
    webhook). ``opt_out_type`` is Twilio's own reading of it (Advanced
    Opt-Out: STOP, START, HELP), which is what the console acts on."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"
    OPT_OUT_TYPES = [(STOP, "STOP"), (START, "START"), (HELP, "HELP")]

    received_at = models.DateTimeField(
        _("received at"), default=timezone.now, db_index=True
    )
    provider = models.CharField(_("provider"), max_length=40, default="twilio_sms")
    message_sid = models.CharField(_("message SID"), max_length=64, blank=True)
    from_number = models.CharField(_("from"), max_length=64, db_index=True)
    to_number = models.CharField(_("to"), max_length=64, blank=True)
    body = models.TextField(_("body"), blank=True)
    opt_out_type = models.CharField(
        _("opt-out type"), max_length=10, blank=True, choices=OPT_OUT_TYPES
    )
    records_changed = models.PositiveIntegerField(_("records changed"), default=0)
    payload = models.JSONField(
        _("payload"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")

    def __str__(self):
        return f"{self.from_number} at {self.received_at:%Y-%m-%d %H:%M}"
