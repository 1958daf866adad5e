# the weekly-dispatch world (org tree, greening form, roles) the bulletin and cockpit tests build on
from countyworks.dispatch.tests.conftest import FIELDS, RULES, world  # noqa: F401
