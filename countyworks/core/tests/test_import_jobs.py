"""Large imports run as background jobs (core.jobs): the upload answers at once with a job page, the
page shows progress while the worker runs and the report when done; one's own jobs only."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from countyworks.core.factories import OrgUnitFactory, UserFactory, user_with_role
from countyworks.core.importing import PROGRESS_EVERY, run_import
from countyworks.core.models import AuditAction, AuditEntry, Enterprise, ImportJob, Programme, RoleKind
from countyworks.core.tests.test_importers import CODES, ENT_HEADERS, messy_enterprises, write_book

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_worker(monkeypatch):
    """`countyworks db_worker --batch` in the test's own transaction: the worker closes stale connections
    when it wakes, which on PostgreSQL would close the test's connection, so that step is skipped here."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=StringIO(), stderr=StringIO())


def upload(client, path, kind="enterprises"):
    with open(path, "rb") as fh:
        return client.post(reverse("core:import", args=[kind]), {"file": fh})


@pytest.fixture
def operator():
    return user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, OrgUnitFactory(name="礼乐街道"))


@pytest.fixture
def background(settings):
    settings.IMPORT_INLINE_MAX_BYTES = 0  # every file goes to the background


def test_large_file_preview_and_confirm_through_a_job(client, tmp_path, operator, background):
    client.force_login(operator)
    resp = upload(client, messy_enterprises(tmp_path / "企业.xlsx"))
    job = ImportJob.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("core:import_job", args=["enterprises", job.pk])
    assert job.status == ImportJob.Status.DONE and not job.commit and not Enterprise.objects.exists()
    page = client.get(resp["Location"])
    text = page.content.decode()
    assert "预览3行：新增3条，更新0条，未变化0条" in text and 'id="import-preview"' in text
    assert "第6行：合计行" in text and "江门市甲科技有限公司" in text
    # confirm: a second job writes, its page says so and links to the list
    resp = client.post(reverse("core:import", args=["enterprises"]), {"token": page.context["token"],
                                                                     "filename": "企业.xlsx"})
    write_job = ImportJob.objects.get(commit=True)
    assert resp.status_code == 302 and resp["Location"].endswith(f"/jobs/{write_job.pk}/")
    assert Enterprise.objects.count() == 3
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, actor=operator).count() == 1
    text = client.get(resp["Location"]).content.decode()
    assert "已导入3行：新增3条" in text and reverse("core:enterprise_list") in text
    # the token is used up
    again = client.post(reverse("core:import", args=["enterprises"]), {"token": page.context["token"],
                                                                      "filename": "企业.xlsx"})
    assert again.status_code == 404 and ImportJob.objects.filter(commit=True).count() == 1


def test_bad_large_file_job_shows_errors_and_error_report(client, tmp_path, operator, background):
    client.force_login(operator)
    bad = CODES[0][:17] + ("0" if CODES[0][17] != "0" else "1")
    resp = upload(client, messy_enterprises(tmp_path / "企业.xlsx", {(0, 1): bad}))
    page = client.get(resp["Location"])
    text = page.content.decode()
    assert 'id="import-errors"' in text and "统一社会信用代码" in text and "未导入任何数据" in text
    report = client.get(reverse("core:import_errors", args=["enterprises", page.context["error_token"]]))
    assert report.status_code == 200 and report.content[:2] == b"PK"
    assert not Enterprise.objects.exists()


def test_upload_does_not_wait_for_the_worker(client, tmp_path, operator, background, settings, monkeypatch):
    """With the database queue the request only stores the file and queues the job; the page shows it
    queued with a progress bar that polls; the worker then runs it and the page shows the report."""
    settings.TASKS = DATABASE_TASKS
    client.force_login(operator)
    resp = upload(client, messy_enterprises(tmp_path / "企业.xlsx"))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and not Enterprise.objects.exists()
    text = client.get(resp["Location"]).content.decode()
    assert 'data-poll-url="' in text and "等待后台任务进程处理" in text and 'role="progressbar"' in text
    assert "core/jobs.js" in text
    run_worker(monkeypatch)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.rows_total == 3
    fragment = client.get(resp["Location"] + "?fragment=1").content.decode()
    assert "data-poll-url" not in fragment and "预览3行" in fragment


def test_progress_is_reported_while_validating(tmp_path):
    rows = [[f"江门市测试{n}有限公司", "", "", "", "", "", ""] for n in range(PROGRESS_EVERY * 2 + 10)]
    path = write_book(tmp_path / "企业.xlsx", ENT_HEADERS, rows)
    seen = []
    with open(path, "rb") as fh:
        report = run_import("enterprises", fh, path.name, actor=None, commit=False,
                            progress=lambda *a: seen.append(a))
    total = PROGRESS_EVERY * 2 + 10
    assert report.total_rows == total
    stages = [s for s, *_ in seen]
    assert stages[0] == "读取" and "校验" in stages
    assert ("校验", PROGRESS_EVERY * 2, total) in [(s, d, t) for s, d, t, _ in seen]
    # every row lacks its credit code: problems so far are counted as the run goes
    assert any(p >= PROGRESS_EVERY for s, d, t, p in seen if s == "校验" and d == PROGRESS_EVERY * 2)


def test_someone_elses_job_is_404(client, tmp_path, operator, background):
    client.force_login(operator)
    url = upload(client, messy_enterprises(tmp_path / "企业.xlsx"))["Location"]
    other = user_with_role(RoleKind.OPERATOR, Programme.INVESTMENT, operator.roles.first().unit)
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.get(url + "?fragment=1").status_code == 404
    client.force_login(UserFactory())  # no investment role: may not import at all
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_job_whose_file_is_gone_fails_with_a_message(client, tmp_path, operator, background, settings,
                                                      monkeypatch):
    settings.TASKS = DATABASE_TASKS
    client.force_login(operator)
    url = upload(client, messy_enterprises(tmp_path / "企业.xlsx"))["Location"]
    for p in (settings.DATA_DIR / "imports").iterdir():
        p.unlink()
    run_worker(monkeypatch)
    text = client.get(url).content.decode()
    assert "导入任务失败：上传的文件已不存在，请重新上传" in text
    assert ImportJob.objects.get().status == ImportJob.Status.FAILED
