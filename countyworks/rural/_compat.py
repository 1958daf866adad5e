"""Until this branch meets main's fix of core/workflow.py (253b752, "dataclass field fix"):
the branch point's workflow module cannot be imported (its `Flow.field` attribute shadows
dataclasses.field). When the import fails for that reason, load the same source with the same
one-line fix main made. Once the platform's module imports, this does nothing — delete it then."""

import sys


def ensure_workflow():
    try:
        import countyworks.core.workflow  # noqa: F401
        return
    except TypeError:
        pass
    import types
    from pathlib import Path

    import countyworks.core as core

    path = Path(core.__file__).with_name("workflow.py")
    src = path.read_text(encoding="utf-8").replace(
        "_by_name: dict = field(default_factory=dict, repr=False)",
        "_by_name: dict = __import__('dataclasses').field(default_factory=dict, repr=False)",
    )
    module = types.ModuleType("countyworks.core.workflow")
    module.__file__ = str(path)
    module.__package__ = "countyworks.core"
    sys.modules["countyworks.core.workflow"] = module
    exec(compile(src, str(path), "exec"), module.__dict__)
    core.workflow = module
