"""Delivery channels: one module per provider on a shared base class."""

from .base import Channel, Outcome
from .registry import available_module_names, get_channel

__all__ = ["Channel", "Outcome", "available_module_names", "get_channel"]
