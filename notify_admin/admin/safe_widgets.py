"""Foreign-key widgets that show a form again whatever was posted.

Django's autocomplete widget looks the submitted value up to draw the chosen
option, and its raw-id widget to draw the object's name beside the input.
When a crafted (or mistyped) value is posted, the form rightly says "Select a
valid choice", but drawing the form again then queries with the bad value:
``“abc” is not a valid UUID`` on a UUID key, an OverflowError on SQLite for a
huge integer, a 500 instead of the form error. These widgets leave values the
key column cannot hold out of the look-up (:mod:`.keys`): the field keeps its
error and shows no choice.

:class:`SafeWidgetsMixin` gives them to every foreign key of a ModelAdmin
that Django would draw with one of the two (``autocomplete_fields``,
``raw_id_fields``); ``GuardedActionsMixin`` includes it.
"""

from django.contrib.admin import widgets

from .keys import valid_values


def _to_field(remote_field):
    return remote_field.get_related_field()


class SafeAutocompleteSelect(widgets.AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        field = _to_field(self.field.remote_field)
        return super().optgroups(name, valid_values(field, value), attr)


class SafeAutocompleteSelectMultiple(widgets.AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        field = _to_field(self.field.remote_field)
        return super().optgroups(name, valid_values(field, value), attr)


class SafeForeignKeyRawIdWidget(widgets.ForeignKeyRawIdWidget):
    def label_and_url_for_value(self, value):
        if not valid_values(_to_field(self.rel), [value]):
            return "", ""
        return super().label_and_url_for_value(value)


class SafeWidgetsMixin:
    """Mix into a ModelAdmin (before ``admin.ModelAdmin``)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs:
            db = kwargs.get("using")
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = SafeAutocompleteSelect(
                    db_field, self.admin_site, using=db
                )
            elif db_field.name in self.raw_id_fields:
                kwargs["widget"] = SafeForeignKeyRawIdWidget(
                    db_field.remote_field, self.admin_site, using=db
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs:
            db = kwargs.get("using")
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = SafeAutocompleteSelectMultiple(
                    db_field, self.admin_site, using=db
                )
        return super().formfield_for_manytomany(db_field, request, **kwargs)
