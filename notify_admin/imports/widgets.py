"""The cell readers of the target-user-record columns (django-import-export widgets)."""

from django.utils.translation import gettext as _
from import_export import widgets

from .columns import cell
from .lookups import MAX_LENGTH

TRUE_WORDS = {"1", "true", "yes", "y", "on", "t"}
FALSE_WORDS = {"0", "false", "no", "n", "off", "f"}


class UserWidget(widgets.Widget):
    lookups = None  # set per import by TargetUserRecordResource

    def __init__(self, user_field="username"):
        super().__init__()
        self.user_field = user_field

    def clean(self, value, row=None, **kwargs):
        return self.lookups.user(value)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        if self.user_field == "email":
            return getattr(value, value.get_email_field_name())
        return value.get_username()


class TargetWidget(widgets.Widget):
    lookups = None

    def clean(self, value, row=None, **kwargs):
        return self.lookups.target(value)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value.name


class AddressWidget(widgets.Widget):
    lookups = None

    def clean(self, value, row=None, **kwargs):
        if not cell(value):
            raise ValueError(_("This cell is required."))
        try:
            target = self.lookups.target((row or {}).get("target"))
        except ValueError:
            # Reported on the target column; nothing to check the address by.
            return cell(value)
        return self.lookups.address(value, target)

    def render(self, value, obj=None, **kwargs):
        return value or ""


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        text = cell(value)
        if len(text) > MAX_LENGTH:
            raise ValueError(_("Longer than %(max)d characters.") % {"max": MAX_LENGTH})
        return text


class ActiveWidget(widgets.Widget):
    """Yes/no in the usual spellings; an empty cell means active."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        word = cell(value).lower()
        if not word or word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(
            _("%(value)r is not a yes/no value (use 1/0, true/false or yes/no).")
            % {"value": cell(value)}
        )

    def render(self, value, obj=None, **kwargs):
        return "true" if value else "false"
