"""Which channels send a template part, and how big a rendered message is for
each of them: what the channels declare, read through the registry.

A channel names the template part it sends (``Channel.template_part``) and
measures a message itself (``Channel.measure``: the SMS segments of the SMS
channel, the payload of a push channel against its limit); nothing here names
a channel. A part is measured against every channel that sends it unless the
caller names the channels (the creation calls: the target's own).
"""

from ..channels.registry import channel_type, get_channel, registered
from ..channels.sizes import sms_size
from ..exceptions import UnknownChannel

#: An SMS template renders to at most this many characters (ten segments).
SMS_MAX_CHARACTERS = 1600

__all__ = ["SMS_MAX_CHARACTERS", "Sizer", "part_for_module", "sms_size"]


def part_for_module(module_name):
    """The template part the channel ``module_name`` sends, or None."""
    try:
        return getattr(channel_type(module_name), "template_part", None)
    except UnknownChannel:
        return None


class Sizer:
    """Channel instances, built once, that measure rendered messages."""

    def __init__(self):
        self._by_part = None
        self._channels = {}

    def modules_for(self, part):
        """The module names of every channel that sends ``part``."""
        if self._by_part is None:
            self._by_part = {}
            for name, kind in registered():
                declared = getattr(kind, "template_part", None)
                if declared:
                    self._by_part.setdefault(declared, []).append(name)
        return list(self._by_part.get(part, ()))

    def channel(self, module_name):
        if module_name not in self._channels:
            self._channels[module_name] = get_channel(module_name)
        return self._channels[module_name]

    def measure(self, title, body, extra, modules):
        """``{module: MessageSize}`` of the channels that measure messages."""
        sizes = {}
        for name in modules:
            size = self.channel(name).measure(title, body, extra)
            if size is not None:
                sizes[name] = size
        return sizes
