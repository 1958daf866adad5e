"""Key rotation: re-encrypt every protected value under the newest key and recompute the blind
indexes, in batches (each batch one transaction), skipping values already under the newest key."""

from django.db import transaction

from . import crypto
from .models import Household, Member, RiskFactor, Visit

PLAN = [
    (Household, ["phone", "bank_account"], {"phone_index": "phone"}),
    (Member, ["id_number", "phone", "health"], {"id_index": "id_number", "phone_index": "phone"}),
    (RiskFactor, ["detail"], {}),
    (Visit, ["notes"], {}),
]


def _raw_tokens(model, fields, pks):
    from django.db import connection

    if not pks:  # "IN ()" is not SQL
        return {}
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    placeholders = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cur:  # quoted identifiers, every value a parameter
        cur.execute(f"SELECT id, {cols} FROM {table} WHERE id IN ({placeholders})", list(pks))  # noqa: S608 # nosec B608
        return {row[0]: row[1:] for row in cur.fetchall()}


def rotate(batch=500, out=None):
    """Returns {model name: rows re-encrypted}."""
    ring = crypto.keyring()
    done = {}
    for model, fields, indexes in PLAN:
        pks = list(model.objects.order_by("pk").values_list("pk", flat=True))
        n = 0
        for start in range(0, len(pks), batch):
            chunk = pks[start:start + batch]
            tokens = _raw_tokens(model, fields, chunk)
            stale = [pk for pk, values in tokens.items() if any(v and not ring.is_current(v) for v in values)]
            if not stale:
                continue
            with transaction.atomic():
                for obj in model.objects.select_for_update().filter(pk__in=stale):
                    for index, source in indexes.items():
                        setattr(obj, index, crypto.blind_index(getattr(obj, source)))
                    obj.save(update_fields=[*fields, *indexes])  # re-encrypted with the newest key on save
                    n += 1
            if out:
                out(f"{model._meta.verbose_name}：已处理 {min(start + batch, len(pks))}/{len(pks)}")
        done[model._meta.verbose_name] = n
    return done
