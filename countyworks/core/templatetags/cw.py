from django import forms, template

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with the Bootstrap class its kind needs."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect)):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {css}".strip()})


@register.inclusion_tag("core/_flow_panel.html", takes_context=True)
def flow_panel(context, flow_name, obj):
    """The state of `obj` in flow `flow_name`, the next actions the current user may take (only
    those) and the history of transitions with who, when and why."""
    from countyworks.core.workflow import get_flow, panel

    flow = get_flow(flow_name)
    data = panel(flow, obj, context["request"].user)
    data["request"] = context["request"]
    data["csrf_token"] = context.get("csrf_token")
    return data


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.inclusion_tag("core/_flow_history.html")
def flow_history(flow_name, obj):
    """The history of a record's flow (who, when, from, to, why), for records whose actions are
    made from their own forms."""
    from countyworks.core.workflow import get_flow

    flow = get_flow(flow_name)
    return {"flow": flow, "history": list(flow.history(obj)), "state_label": flow.state_label(obj)}
