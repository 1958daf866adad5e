from django import template

from ..masking import mask

register = template.Library()


@register.filter
def masked(value, kind):
    """`{{ member.id_number|masked:"id" }}` → 4407**********1234."""
    return mask(kind, value) or "—"


@register.inclusion_tag("households/_clock.html")
def procedure_clock(case):
    from ..flows import procedure_clock as compute

    return {"c": compute(case), "case": case}
