"""HTML forms. They only shape input; the rules are checked again in ``services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pengcheng.hotline import selectors
from pengcheng.hotline.models import Category, Rating, RequestType, Urgency
from pengcheng.hotline.services import DESCRIPTION_LIMIT, TITLE_LIMIT


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class CategoryField(forms.CharField):
    """A category typed or picked from the list (``name — path (code)``)."""

    def clean(self, value: Any) -> Category | None:
        text = super().clean(value)
        if not text:
            return None
        category = selectors.find_category(text)
        if category is None:
            raise forms.ValidationError(_("Pick a category from the list."))
        return category


def category_label(category: Category) -> str:
    return f"{category.name} — {category.path_name} ({category.code})"


class ReportForm(forms.Form):
    """The citizen's form on the portal."""

    request_type = forms.ChoiceField(
        label=_("What kind of request?"), choices=RequestType.choices, widget=forms.RadioSelect
    )
    category = CategoryField(
        label=_("Category"),
        required=False,
        help_text=_("Optional. Type a word such as 噪声 or 路灯 and pick from the list."),
        widget=forms.TextInput(attrs={"list": "hotline-categories", "autocomplete": "off"}),
    )
    title = forms.CharField(label=_("Subject"), max_length=TITLE_LIMIT, required=False)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, where and since when. At most 4,000 characters."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("e.g. 福田区园岭街道百花社区百花二路. Or place a pin on the map."),
    )
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    coord_system = forms.ChoiceField(
        choices=[("gcj02", "gcj02"), ("wgs84", "wgs84")], initial="gcj02", widget=forms.HiddenInput
    )
    anonymous = forms.BooleanField(
        label=_("Keep my name and phone number from the department handling it"), required=False
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 6 photos (JPEG, PNG, GIF or WebP) or PDF files, 10 MB each."),
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp,application/pdf"}),
    )


class CallForm(forms.Form):
    """The agent's form while on the phone: one pass with the keyboard."""

    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=20, required=False)
    caller_name = forms.CharField(label=_("Caller's name"), max_length=60, required=False)
    request_type = forms.ChoiceField(label=_("Type"), choices=RequestType.choices)
    category = CategoryField(
        label=_("Category"),
        required=False,
        widget=forms.TextInput(attrs={"list": "hotline-categories", "autocomplete": "off"}),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    title = forms.CharField(label=_("Subject"), max_length=TITLE_LIMIT, required=False)
    description = forms.CharField(
        label=_("What the caller says"), max_length=DESCRIPTION_LIMIT, widget=forms.Textarea(attrs={"rows": 5})
    )
    anonymous = forms.BooleanField(label=_("Caller asks to stay anonymous to the department"), required=False)
    answer = forms.CharField(
        label=_("Answer given on the phone (closes the ticket)"),
        required=False,
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    dispatch_now = forms.BooleanField(
        label=_("Dispatch at once to the department the routing table names"), required=False, initial=True
    )


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Lead department (主办)"), queryset=selectors.department_choices())
    assisting = forms.ModelMultipleChoiceField(
        label=_("Assisting departments (协办)"),
        queryset=selectors.department_choices(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    category = CategoryField(
        label=_("Category"), required=False, widget=forms.TextInput(attrs={"list": "hotline-categories"})
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    note = forms.CharField(label=_("Instructions"), required=False, max_length=500)


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=DESCRIPTION_LIMIT, widget=forms.Textarea(attrs={"rows": 3}))


class RateForm(forms.Form):
    rating = forms.ChoiceField(label=_("How satisfied are you?"), choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Anything to add?"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Ticket number"), max_length=20)
    phone = forms.CharField(label=_("Phone number given when reporting"), max_length=20)
    code = forms.CharField(label=_("Code received by SMS"), max_length=6, required=False)
