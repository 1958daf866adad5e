"""Entry point for loading the whole demo; each programme adds its part here."""

from . import jianghai


def load_demo():
    jianghai.load_org_and_accounts()
