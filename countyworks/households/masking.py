"""Masking of protected values: how they are shown everywhere unless deliberately revealed."""

from countyworks.core.identifiers import mask_bank_account, mask_id_number, mask_phone


def mask(kind, value):
    if not value:
        return ""
    if kind == "id":
        return mask_id_number(value)
    if kind == "phone":
        return mask_phone(value)
    if kind == "bank":
        return mask_bank_account(value)
    return "已登记（已隐藏）"
