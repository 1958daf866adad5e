"""The `countyworks` command: a thin wrapper over Django's manage.py.

`countyworks serve`, `countyworks demo`, `countyworks import KIND FILE`, … are management
commands of the apps; everything Django offers (`migrate`, `check --deploy`, …) works too.
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyworks.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "countyworks"
    # `load-demo` reads better on a command line; Django command modules cannot hold a dash.
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
