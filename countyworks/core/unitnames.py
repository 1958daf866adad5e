"""Finding the org unit a spreadsheet cell names — the one resolver every importer uses.

Offices write a unit by its code, by its name, or by its full official name: an optional
higher-level prefix (某某省, 某某市 — any text ending in 省/市/区/县 that is not the name of
another registered unit), then the names of the unit's ancestors (all of them, or the nearest
ones), then its own name, with or without separators: "某某市某某区甲街道", "某某区 甲街道",
"甲街道/甲一村". Codes compare case-insensitively. A name or full name that fits more than one
unit is an error asking for the code. Scope is not checked here: the importers do that.
"""

import re

from .importing import RowError
from .models import OrgUnit
from .parsing import normalize_text

__all__ = ["UnitResolver"]

_SEPARATORS = re.compile(r"[\s/\\|>＞·•・、,，\-—–_]+")
_HIGHER = re.compile(r".*[省市区县]")


def _compact(text):
    return _SEPARATORS.sub("", normalize_text(text)).casefold()


class UnitResolver:
    """Resolve cells to org units. Loads the org tree once (construct it in `prepare`).

    `kinds`: only units of these kinds can be found (their ancestors may be of any kind).
    `not_found` / `ambiguous`: the messages, with `{text}` for the cell's text.
    """

    def __init__(self, *, kinds=None, not_found="找不到单位“{text}”（填写单位名称或代码）",
                 ambiguous="单位名称“{text}”不唯一，请填写单位代码"):
        self.not_found, self.ambiguous = not_found, ambiguous
        units = list(OrgUnit.objects.all())
        self._by_pk = {u.pk: u for u in units}
        self._all_names = {_compact(u.name) for u in units}
        self._by_code, self._by_name = {}, {}
        for u in units:
            if kinds is not None and u.kind not in kinds:
                continue
            self._by_code.setdefault(u.code.casefold(), u)
            self._by_name.setdefault(_compact(u.name), []).append(u)
        self._chains = {}

    def _chain(self, unit):
        """Compact names of the unit's ancestors, root first."""
        if unit.pk not in self._chains:
            ids = [int(x) for x in unit.path.strip("/").split("/") if x][:-1]
            self._chains[unit.pk] = [_compact(self._by_pk[i].name) for i in ids if i in self._by_pk]
        return self._chains[unit.pk]

    def _prefix_fits(self, prefix, unit):
        """Is `prefix` (what precedes the unit's own name) its ancestors' names, nearest last,
        after an optional higher-level prefix?"""
        chain = self._chain(unit)
        rest, i = prefix, len(chain) - 1
        while rest and i >= 0 and rest.endswith(chain[i]):
            rest, i = rest[: -len(chain[i])], i - 1
        if not rest:
            return True
        if not _HIGHER.fullmatch(rest):
            return False
        # the leftover must not name another registered unit ("外海街道礼乐街道…" is not a prefix)
        others = {n for n in self._all_names if rest.endswith(n)}
        return others <= set(chain)

    def find(self, raw):
        """The unit `raw` names; RowError when none or more than one fits."""
        text = normalize_text(raw)
        unit = self._by_code.get(text.replace(" ", "").casefold())
        if unit is not None:
            return unit
        key = _compact(text)
        named = self._by_name.get(key)
        if named:
            if len(named) > 1:
                raise RowError(self.ambiguous.format(text=text))
            return named[0]
        matches = {}
        for i in range(1, len(key)):
            for u in self._by_name.get(key[i:], ()):
                if self._prefix_fits(key[:i], u):
                    matches[u.pk] = u
        if len(matches) > 1:
            raise RowError(self.ambiguous.format(text=text))
        if matches:
            return next(iter(matches.values()))
        raise RowError(self.not_found.format(text=text))

    __call__ = find
