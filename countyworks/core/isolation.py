"""Reading an uploaded spreadsheet in a child process with a memory ceiling, so that no file can
take the server down: the sheet limits of core/spreadsheets.py refuse the known bombs cheaply,
and whatever they miss — a parser that allocates without bound, in Python or in the Rust of
python-calamine, which aborts the whole process when an allocation fails — ends in the child,
which the parent reports as a Chinese error. The web worker and its other requests live on.

`settings.IMPORT_MEMORY_MB` (COUNTYWORKS_IMPORT_MEMORY_MB, default 1024) is the child's data
limit (RLIMIT_DATA: heap and anonymous mappings); `settings.IMPORT_ISOLATE` turns it off (the
reader then runs in the calling process, as on platforms without fork)."""

import os
import pickle
import signal
import sys

from django.conf import settings

from .spreadsheets import SpreadsheetError, read_table


def _limit(mb):
    import resource

    soft = int(mb) * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    resource.setrlimit(resource.RLIMIT_DATA, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def read_table_isolated(fileobj, filename, columns, **kwargs):
    """read_table in a forked child under the memory ceiling; the same result or SpreadsheetError."""
    mb = getattr(settings, "IMPORT_MEMORY_MB", 1024)
    if not getattr(settings, "IMPORT_ISOLATE", True) or not hasattr(os, "fork") or sys.platform != "linux":
        return read_table(fileobj, filename, columns, **kwargs)
    data = fileobj.read() if hasattr(fileobj, "read") else fileobj
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send the pickled result (or the refusal), leave without cleanup
        code = 0
        try:
            os.close(r)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            import faulthandler

            faulthandler.disable()  # an abort here is expected and reported by the parent, not dumped
            _limit(mb)
            import io

            try:
                result = ("ok", read_table(io.BytesIO(data), filename, columns, **kwargs))
            except SpreadsheetError as exc:
                result = ("refused", str(exc))
            except MemoryError:
                result = ("memory", "")
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001 - whatever happens, the child never returns into Django
            code = 70
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as inp:
        payload = inp.read()
    _, status = os.waitpid(pid, 0)
    if payload:
        try:  # our own child's bytes through a pipe, never the user's
            kind, value = pickle.loads(payload)  # noqa: S301 # nosec B301
        except Exception:  # noqa: BLE001 - a truncated pipe: treated like a child that died
            kind, value = "died", None
    else:
        kind, value = "died", None
    if kind == "ok":
        return value
    if kind == "refused":
        raise SpreadsheetError(value)
    if kind == "memory" or (os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGABRT, signal.SIGKILL, signal.SIGSEGV)):
        raise SpreadsheetError(f"读取该文件所需内存超过导入上限（{mb} MB）：文件可能损坏或内容过大，请拆分后再导入")
    raise SpreadsheetError("无法读取该文件：文件可能已损坏，请用 Excel 另存为 .xlsx 后再导入")
