"""Settings for the benchmark's django-import-export child: CountyWorks settings plus
"import_export" in INSTALLED_APPS (the way a Django developer would install it). CountyWorks
itself never uses these settings."""

from countyworks.settings import *  # noqa: F401,F403
from countyworks.settings import INSTALLED_APPS as _APPS

INSTALLED_APPS = [*_APPS, "import_export"]
