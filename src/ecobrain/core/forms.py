"""Form bases: every ModelForm knows its user and offers only choices inside the user's scope."""

from __future__ import annotations

from django import forms

from ecobrain.core.models import Region, RegionLevel


class GatedModelForm(forms.ModelForm):
    """A ModelForm taking ``user``: related-object choices pass the gate; district choices follow the scope."""

    def __init__(self, *args, user=None, importing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.importing = importing
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or user is None:
                continue
            if queryset.model is Region:
                field.queryset = scoped_districts(user)
            elif hasattr(queryset, "restrict"):
                field.queryset = queryset.restrict(user, "view")
            field.widget.attrs.setdefault("data-field", name)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, (forms.Select, forms.SelectMultiple)) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)


def scoped_districts(user):
    counties = Region.objects.filter(level=RegionLevel.COUNTY)
    if user.is_city_wide or user.is_enterprise_user:
        return counties
    return counties.filter(pk__in=user.scope_district_ids())
