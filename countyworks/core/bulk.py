"""Fast multi-row INSERT for imports.

Django's bulk_create builds a fresh SQL statement per batch and prepares every value through
the compiler; for 100,000-row imports that costs far more than the database's own work (see
bench/README.md). `fast_insert` prepares each value with the field's own `get_db_prep_save`
(so dates, JSON and time zones are stored exactly as the ORM would) and sends one prepared
statement with `executemany`."""

from django.db import connections, router


def fast_insert(model, fields, rows, *, batch=5000):
    """Insert `rows` (iterables of values in `fields` order) into `model`'s table."""
    conn = connections[router.db_for_write(model)]
    opts = model._meta
    flds = [opts.get_field(f) for f in fields]
    cols = ", ".join(conn.ops.quote_name(f.column) for f in flds)
    # identifiers quoted by the backend, every value a parameter
    sql = f"INSERT INTO {conn.ops.quote_name(opts.db_table)} ({cols}) VALUES ({', '.join(['%s'] * len(flds))})"
    preps = [f.get_db_prep_save for f in flds]
    count = 0
    with conn.cursor() as cur:
        buf = []
        for row in rows:
            buf.append([prep(v, conn) for prep, v in zip(preps, row, strict=True)])
            if len(buf) >= batch:
                cur.executemany(sql, buf)
                count += len(buf)
                buf = []
        if buf:
            cur.executemany(sql, buf)
            count += len(buf)
    return count
