"""Entry point for loading the whole demo; each programme adds its part here."""

from django.db import transaction

from . import dispatch, households, investment, jianghai, rural, safety


@transaction.atomic
def load_demo():
    jianghai.load_org_and_accounts()
    investment.load_investment()
    rural.load_rural()  # before dispatch: the greening form with its aggregation types
    dispatch.load_dispatch()
    safety.load_safety()
    households.load_households()
