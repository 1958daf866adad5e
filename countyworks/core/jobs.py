"""Imports in the background (the Tasks API of django-tasks; the queue is the platform's database).

The web page stores the uploaded file in the import folder, creates an `ImportJob` and enqueues
`run_import_job`; the worker (`countyworks db_worker`, started by `countyworks serve`) runs the very
same `run_import` the command line and the inline path use, writing its progress on the job as it
goes. The page polls the job (`core:import_job`) and shows the report when it is done. A web request
never waits on a large import.
"""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from .importing import errors_xlsx, report_to_json, run_import
from .models import ImportJob

log = logging.getLogger(__name__)

PROGRESS_MIN_SECONDS = 0.5  # at most two progress writes a second


def import_dir():
    d = Path(settings.DATA_DIR) / "imports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def stored_file(token):
    """The uploaded file of a token (`<user id>-<hex>`), or None."""
    if not token.replace("-", "").isalnum():
        return None
    matches = [p for p in import_dir().glob(f"{token}.*") if not p.name.endswith(".errors.xlsx")]
    return matches[0] if matches else None


def start_import(*, kind, token, filename, actor, commit):
    """Create the job and enqueue it (requests run in autocommit: the job row is there for the worker)."""
    job = ImportJob.objects.create(kind=kind, token=token, filename=filename[:200], actor=actor, commit=commit)
    run_import_job.enqueue(str(job.pk))
    job.refresh_from_db()  # an immediate backend has run it already
    return job


def _save_progress(job_id, **fields):
    # An UPDATE of the job row alone, outside any import transaction (the import has not begun writing
    # while it validates; the write phase reports once, before it starts).
    ImportJob.objects.filter(pk=job_id).update(**fields)


@task()
def run_import_job(job_id):
    job = ImportJob.objects.select_related("actor").filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.QUEUED:
        return  # run already (a worker restarted mid-way re-delivers it) or deleted
    _save_progress(job.pk, status=ImportJob.Status.RUNNING, stage="读取")
    path = stored_file(job.token)
    if path is None:
        _save_progress(job.pk, status=ImportJob.Status.FAILED, error="上传的文件已不存在，请重新上传",
                       finished_at=timezone.now())
        return
    last = [0.0]

    def progress(stage, done, total, problems):
        now = time.monotonic()
        if stage != "校验" or now - last[0] >= PROGRESS_MIN_SECONDS:
            last[0] = now
            _save_progress(job.pk, stage=stage, rows_done=done, rows_total=total, problems=problems)

    try:
        with open(path, "rb") as fh:
            report = run_import(job.kind, fh, job.filename, actor=job.actor, commit=job.commit, progress=progress)
    except Exception as exc:  # noqa: BLE001 - the job must end with a state the page can show
        log.exception("import job %s failed", job.pk)
        from django.core.exceptions import PermissionDenied

        message = (str(exc) or "无权导入") if isinstance(exc, PermissionDenied) else "导入时发生内部错误，未写入任何数据"
        _save_progress(job.pk, status=ImportJob.Status.FAILED, error=message[:300], finished_at=timezone.now())
        return
    if not report.ok:
        with open(path.with_suffix(".errors.xlsx"), "wb") as fh:
            errors_xlsx(report, fh)
        path.unlink(missing_ok=True)
    elif job.commit:
        path.unlink(missing_ok=True)
    _save_progress(job.pk, status=ImportJob.Status.DONE, report=report_to_json(report),
                   rows_done=report.total_rows, rows_total=report.total_rows, problems=len(report.problems),
                   finished_at=timezone.now())
