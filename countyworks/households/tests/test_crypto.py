"""Protected fields at rest: ciphertext in the database, blind-index search, key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from countyworks.core.models import AuditEntry
from countyworks.households import crypto, services
from countyworks.households.models import Household, Member

from .conftest import make_household, new_id


def raw(table, column, pk):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cur.fetchone()[0]


def test_values_are_ciphertext_in_the_database(hh):
    idn = new_id()
    h = make_household(hh.operator, hh.village, id_number=idn, phone="13912345678", bank_account="6222029876543210",
                       head_health="尿毒症透析")
    m = h.members.get()
    assert raw("households_household", "phone", h.pk) != "13912345678"
    assert "13912345678" not in raw("households_household", "phone", h.pk)
    assert "6222029876543210" not in raw("households_household", "bank_account", h.pk)
    assert idn not in raw("households_member", "id_number", m.pk)
    assert "尿毒症" not in raw("households_member", "health", m.pk)
    # the application reads the plain values back
    m = Member.objects.get(pk=m.pk)
    assert m.id_number == idn and m.health == "尿毒症透析"
    assert Household.objects.get(pk=h.pk).phone == "13912345678"


def test_whole_database_dump_holds_no_plain_identifier(hh):
    idn = new_id()
    make_household(hh.operator, hh.village, id_number=idn, phone="13712340000", bank_account="6222020000111122")
    from countyworks.households.tests.conftest import database_dump

    dump = database_dump()
    for plain in (idn, "13712340000", "6222020000111122"):
        assert plain not in dump


def test_audit_log_never_holds_a_protected_value_or_name(hh):
    idn = new_id()
    h = make_household(hh.operator, hh.village, head_name="林小梅", id_number=idn, phone="13612349999")
    services.household_update(actor=hh.operator, household=h, phone="13612340000")
    text = " ".join(f"{e.object_repr} {e.changes} {e.message}" for e in AuditEntry.objects.all())
    for plain in (idn, "13612349999", "13612340000", "林小梅"):
        assert plain not in text
    assert "hmac:" in text  # the change is recorded as a keyed hash


def test_search_by_id_number_and_phone_through_the_blind_index(hh):
    idn = new_id()
    h = make_household(hh.operator, hh.village, id_number=idn, phone="13800001111")
    assert services.find_by_id_number(idn).get().household == h
    assert services.find_by_id_number(idn.lower()).exists()  # the check letter normalised
    assert services.find_by_phone("138-0000-1111").get() == h
    assert not services.find_by_id_number(new_id()).exists()
    assert Member.objects.get().id_index != idn


def test_duplicate_person_refused(hh):
    from django.core.exceptions import ValidationError

    idn = new_id()
    make_household(hh.operator, hh.village, id_number=idn)
    with pytest.raises(ValidationError) as exc:
        make_household(hh.operator, hh.village, id_number=idn)
    assert "已登记" in str(exc.value)


def test_key_rotation_round_trip(hh, settings):
    old = crypto.keyring()
    idn = new_id()
    h = make_household(hh.operator, hh.village, id_number=idn, phone="13511112222")
    old_key = crypto._raw_keys()[0]
    new_key = Fernet.generate_key().decode()
    settings.COUNTYWORKS_FIELD_KEYS = f"{new_key},{old_key}"
    # before rotation: still readable and searchable with the old key in the ring
    assert Member.objects.get().id_number == idn
    assert services.find_by_id_number(idn).exists()
    call_command("households", "rotate-keys", "--batch", "1")
    token = raw("households_member", "id_number", h.members.get().pk)
    assert Fernet(new_key.encode()).decrypt(token.encode()).decode() == idn
    # the old key can be retired: everything reads and searches with the new key alone
    settings.COUNTYWORKS_FIELD_KEYS = new_key
    assert Member.objects.get().id_number == idn
    assert services.find_by_id_number(idn).exists()
    assert services.find_by_phone("13511112222").exists()
    assert old is not crypto.keyring()


def test_development_key_generated_into_data_dir(hh, settings):
    path = settings.DATA_DIR / "field_keys"
    crypto.keyring()
    assert path.exists() and len(path.read_text().strip()) == 44


def test_production_requires_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.PRODUCTION = True
    settings.COUNTYWORKS_FIELD_KEYS = ""
    with pytest.raises(ImproperlyConfigured):
        crypto.keyring()
