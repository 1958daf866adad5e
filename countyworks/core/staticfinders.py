"""Serve plotly.js from the plotly package without collecting the rest of its package data
(widget bundles, datasets: tens of MB that `collectstatic` would otherwise copy)."""

from importlib.util import find_spec
from pathlib import Path

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

_DIR = Path(find_spec("plotly").origin).resolve().parent / "package_data"
_FILES = ("plotly.min.js",)


class PlotlyFinder(BaseFinder):
    prefix = "plotly/"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=str(_DIR))
        self.storage.prefix = "plotly"

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path.startswith(self.prefix) and path[len(self.prefix):] in _FILES:
            match = str(_DIR / path[len(self.prefix):])
            return [match] if (find_all or kwargs.get("all")) else match
        return [] if (find_all or kwargs.get("all")) else None

    def list(self, ignore_patterns):
        for name in _FILES:
            yield name, self.storage
