"""Helpers for data migrations (they get the historical models through `apps`)."""


def person_for_account(apps, user_id, cache):
    """The core.Person standing for an account that was a leader in charge: the one linked to it,
    else a new one named after the account (its post left for the office to fill in), in the
    account's unit, or its first role's, or the top of the tree."""
    if user_id in cache:
        return cache[user_id]
    Person = apps.get_model("core", "Person")
    User = apps.get_model("core", "User")
    OrgUnit = apps.get_model("core", "OrgUnit")
    Role = apps.get_model("core", "Role")
    person = Person.objects.filter(user_id=user_id).first()
    if person is None:
        user = User.objects.get(pk=user_id)
        unit_id = user.unit_id or Role.objects.filter(user_id=user_id, unit__isnull=False).values_list(
            "unit_id", flat=True).first()
        if unit_id is None:
            unit_id = OrgUnit.objects.order_by("depth", "pk").values_list("pk", flat=True).first()
        name = (user.full_name or user.username).split("（")[0].strip() or user.username
        person = Person.objects.create(name=name, post="", unit_id=unit_id, user_id=user_id)
    cache[user_id] = person
    return person
