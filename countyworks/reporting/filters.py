import django_filters as df
from django import forms

from .forms import BULLETIN_PROGRAMMES
from .models import Bulletin


class BulletinFilter(df.FilterSet):
    period = df.CharFilter(label="月份", field_name="period", lookup_expr="startswith",
                           widget=forms.TextInput(attrs={"placeholder": "2024-03"}))
    programme = df.ChoiceFilter(label="业务", choices=BULLETIN_PROGRAMMES)
    status = df.ChoiceFilter(label="状态", choices=Bulletin.Status.choices)

    class Meta:
        model = Bulletin
        fields = ["period", "programme", "status"]
