"""Entry point for loading the whole demo; each programme adds its part here."""

from django.db import transaction

from . import dispatch, households, investment, jianghai


@transaction.atomic
def load_demo():
    jianghai.load_org_and_accounts()
    investment.load_investment()
    dispatch.load_dispatch()
    households.load_households()
