"""HTML forms for articles. They only shape input; ``services.validate`` checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pengcheng.core.models import Department
from pengcheng.hotline.forms import CategoryField
from pengcheng.knowledge import services


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=services.TITLE_LIMIT, required=False, help_text=_("Optional."))
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 10}), max_length=services.BODY_LIMIT)
    variants = forms.CharField(
        label=_("Question variants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One question per line, as citizens ask it."),
    )
    category = CategoryField(
        label=_("Category"),
        required=False,
        widget=forms.TextInput(attrs={"list": "hotline-categories", "autocomplete": "off"}),
    )
    department = forms.ModelChoiceField(
        label=_("Owning department"), queryset=Department.objects.filter(is_active=True), required=False
    )
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    review_days = forms.IntegerField(label=_("Review every (days)"), min_value=1, max_value=3650, initial=365)
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def to_input(self) -> services.ArticleInput:
        data: dict[str, Any] = self.cleaned_data
        return services.ArticleInput(
            title=data["title"],
            body=data["body"],
            variants=services.clean_variants(data["variants"] or ""),
            category=data["category"],
            department=data["department"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            review_days=data["review_days"],
        )
