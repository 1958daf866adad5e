"""The dispatch pages: the generic view contract on submissions, tasks and bulletins, and what a
user of journeys 5 and 6 must see — the week entered on the form (an outlier needs confirming),
returned with a reason, corrected, approved and locked, reopened with a reason; the bulletin's
computed sentence whose every number opens the records behind it; the .docx; a published
bulletin that keeps its numbers when the data changes."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from countyworks.core.factories import PersonFactory, UserFactory, org_tree, user_with_role
from countyworks.core.models import Attachment, AuditEntry, OrgUnit, Programme, RoleKind
from countyworks.core.testing import ViewContract, World
from countyworks.demo.dispatch import GREENING_FIELDS, RULES
from countyworks.dispatch import services
from countyworks.dispatch.models import Notification, ReportForm, Submission, Task
from countyworks.dispatch.selectors import monday
from countyworks.reporting import services as reporting_services
from countyworks.reporting.content import plain_text
from countyworks.reporting.models import Bulletin

pytestmark = pytest.mark.django_db

K = OrgUnit.Kind
D = Programme.DISPATCH
R = RoleKind
S = Submission.Status
THIS_WEEK = monday(timezone.localdate())
LAST_WEEK = THIS_WEEK - timedelta(days=7)
HISTORY = [THIS_WEEK - timedelta(days=7 * k) for k in range(6, 1, -1)]  # five weeks before last week
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def figures(seedlings, trees, training=5, sages=1, party=3, meetings=0):
    return {
        "seedlings_secured": seedlings,
        "trees_planted": trees,
        "training": training,
        "sages_visited": sages,
        "party_members": party,
        "meetings": meetings,
    }


def post_data(figs, action="submit", text="本周组织群众植树。", **extra):
    data = {f"fig_{k}": "" if v is None else str(v) for k, v in figs.items()}
    data.update(text=text, action=action, **extra)
    return data


def jianghai():
    """江海区 → 礼乐街道 (向前村, 英南村), 外海街道 (金溪社区); the greening form of the three villages,
    five weeks of history each (submitted by the system), and the dispatch accounts."""
    t = org_tree("a1", "a2", "b1", "bureau",
                 names={"district": "江海区", "a": "礼乐街道", "b": "外海街道", "a1": "向前村", "a2": "英南村",
                        "b1": "金溪社区", "bureau": "区农业农村和水利局"},
                 codes={"district": "440704000000", "a": "440704003000", "b": "440704002000", "a1": "440704003201",
                        "a2": "440704003202", "b1": "440704002001", "bureau": "JH-B02"},
                 kinds={"a2": K.VILLAGE})
    district, lile, waihai, xq, yn, jx, bureau = t.district, t.a, t.b, t.a1, t.a2, t.b1, t.bureau
    form = ReportForm.objects.create(
        code="greening",
        name="乡村绿化周报",
        programme="rural",
        owner=bureau,
        fields=GREENING_FIELDS,
        rules=RULES,
        start_date=HISTORY[0],
    )
    form.units.set([xq, yn, jx])
    subs = []
    for k, week in enumerate(HISTORY):
        for unit, base in ((xq, 20), (yn, 30), (jx, 40)):
            subs.append(
                services.submission_save(
                    form=form,
                    unit=unit,
                    week_start=week,
                    actor=None,
                    confirm=True,
                    text=f"{unit.name}第{k + 1}周",
                    figures=figures(base + k, 10 + k),
                )
            )
    return {
        "district": district,
        "lile": lile,
        "waihai": waihai,
        "xq": xq,
        "yn": yn,
        "jx": jx,
        "form": form,
        "history": subs,
        "operator": user_with_role(R.OPERATOR, D, xq, username="xiangqian_t", full_name="向前村填报员"),
        "jx_operator": user_with_role(R.OPERATOR, D, jx),
        "reviewer": user_with_role(R.REVIEWER, D, lile, username="lile_sh_t", full_name="礼乐街道审核员"),
        "manager": user_with_role(R.MANAGER, D, district, username="nyj_t", full_name="区农业农村和水利局"),
    }


@pytest.fixture
def jh(db):
    return jianghai()


def submit_url(w, unit="xq", week=LAST_WEEK):
    return reverse("dispatch:submit", args=[w["form"].pk]) + f"?unit={w[unit].pk}&week={week.isoformat()}"


# --- the generic contract ------------------------------------------------------------------------------


class TestSubmissionViews(ViewContract):
    covers = {"dispatch:submission_list", "dispatch:submission_detail", "dispatch:submit", "dispatch:home",
              "dispatch:form_detail", "submission-list", "submission-detail"}

    def make_world(self):
        w = jianghai()
        own = next(s for s in w["history"] if s.unit == w["xq"])
        foreign = next(s for s in w["history"] if s.unit == w["jx"])
        return World(
            permitted=w["operator"],
            outsider=UserFactory(),
            own=own,
            foreign=foreign,
            list_url=reverse("dispatch:submission_list"),
            detail_url=lambda s: reverse("dispatch:submission_detail", args=[s.pk]),
            create_url=submit_url(w),
            create_data=post_data(figures(25, 12), confirm="on"),
            list_text=lambda s: s.unit.name,
            pages=[reverse("dispatch:home"), reverse("dispatch:form_detail", args=[w["form"].pk])],
            api_list_url=reverse("submission-list"),
            api_detail_url=lambda s: reverse("submission-detail", args=[s.pk]),
        )


    def test_operator_cannot_open_another_units_form(self, client, world):
        client.force_login(world.permitted)
        form = world.own.form
        url = reverse("dispatch:submit", args=[form.pk]) + f"?unit={world.foreign.unit_id}&week={LAST_WEEK}"
        assert client.get(url).status_code == 404
        assert client.post(url, post_data(figures(1, 1))).status_code == 404


class TestReportFormViews(ViewContract):
    """The weekly form's editor is the district manager's."""

    covers = {"dispatch:form_create", "dispatch:form_update"}

    def make_world(self):
        w = jianghai()
        return World(
            permitted=w["manager"],
            outsider=w["operator"],  # holds a dispatch role, but may not define forms
            own=w["form"],
            pages=[reverse("dispatch:form_create"), lambda f: reverse("dispatch:form_update", args=[f.pk])],
            writes_tested_by="countyworks.dispatch.tests.test_services::TestReportFormDefinition",
        )


class TestTaskViews(ViewContract):
    covers = {"dispatch:task_list", "dispatch:task_detail", "dispatch:task_create", "dispatch:task_update"}

    def make_world(self):
        w = jianghai()
        own = services.task_create(
            actor=None,
            programme="rural",
            title="全面完成村庄绿化示意图编制",
            unit=w["lile"],
            deadline=timezone.localdate() + timedelta(days=30),
        )
        foreign = services.task_create(
            actor=None,
            programme="rural",
            title="外海街道植树任务",
            unit=w["waihai"],
            deadline=timezone.localdate() - timedelta(days=3),
        )
        boss = user_with_role(R.MANAGER, D, w["lile"])
        leader = user_with_role(R.LEADER, D, w["district"], full_name="区长")
        person = PersonFactory(name="郑丹辉", post="区委副书记、区长", unit=w["district"], user=leader)
        return World(
            permitted=boss,
            outsider=UserFactory(),
            own=own,
            foreign=foreign,
            list_url=reverse("dispatch:task_list"),
            detail_url=lambda t: reverse("dispatch:task_detail", args=[t.pk]),
            create_url=reverse("dispatch:task_create"),
            create_data={
                "programme": "rural",
                "title": "建立网格化管护机制全覆盖",
                "unit": w["xq"].pk,
                "leader": person.pk,
                "indicator": "覆盖村(社区)数",
                "target": "4",
                "progress": "1",
                "deadline": (timezone.localdate() + timedelta(days=60)).isoformat(),
                "description": "",
            },
            update_url=lambda t: reverse("dispatch:task_update", args=[t.pk]),
            update_data=lambda t: {
                "programme": t.programme,
                "title": t.title,
                "unit": t.unit_id,
                "leader": "",
                "indicator": "完成村数",
                "target": "7",
                "progress": "6",
                "deadline": t.deadline.isoformat(),
                "status": "open",
                "done_date": "",
                "description": "已完成6个村",
            },
            list_text=lambda t: t.title,
            model=Task,
            created_fields={"title": "建立网格化管护机制全覆盖", "unit_id": w["xq"].pk, "leader_id": person.pk,
                            "indicator": "覆盖村(社区)数"},
            foreign_create_data={"programme": "rural", "title": "越权任务", "unit": w["waihai"].pk, "leader": "",
                                 "indicator": "", "target": "1", "progress": "0",
                                 "deadline": (timezone.localdate() + timedelta(days=60)).isoformat(),
                                 "description": ""},
            read_only=leader,
        )

    def test_overdue_filter_shows_only_late_open_tasks(self, client, world):
        boss = user_with_role(R.MANAGER, D, world.own.unit.parent)  # the whole district
        client.force_login(boss)
        page = client.get(reverse("dispatch:task_list") + "?overdue=1").content.decode()
        assert world.foreign.title in page and world.own.title not in page

    def test_operator_updates_progress_only(self, client, world):
        op = user_with_role(R.OPERATOR, D, world.own.unit)
        client.force_login(op)
        url = reverse("dispatch:task_update", args=[world.own.pk])
        resp = client.post(
            url, {"progress": "3", "status": "open", "done_date": "", "description": "", "title": "改掉标题"}
        )
        assert resp.status_code == 302
        world.own.refresh_from_db()
        assert world.own.progress == 3 and world.own.title == "全面完成村庄绿化示意图编制"


class TestBulletinViews(ViewContract):
    covers = {"reporting:bulletin_list", "reporting:bulletin_detail", "reporting:bulletin_create",
              "reporting:bulletin_figure", "reporting:bulletin_download", "reporting:bulletin_publish",
              "reporting:bulletin_delete", "reporting:bulletin_settings", "cockpit:index",
              "bulletin-list", "bulletin-detail"}

    def make_world(self):
        w = jianghai()
        period = f"{timezone.localdate():%Y-%m}"
        own = reporting_services.bulletin_create(programme="rural", period=period, unit=w["lile"], actor=None)
        foreign = reporting_services.bulletin_create(programme="rural", period=period, unit=w["waihai"], actor=None)
        key = next(iter(own.content["figures"]))
        return World(
            permitted=user_with_role(R.MANAGER, D, w["lile"]),
            read_only=user_with_role(R.LEADER, D, w["district"]),
            outsider=UserFactory(),
            own=own,
            foreign=foreign,
            list_url=reverse("reporting:bulletin_list"),
            detail_url=lambda b: reverse("reporting:bulletin_detail", args=[b.pk]),
            create_url=reverse("reporting:bulletin_create"),
            create_data={
                "programme": "rural",
                "period": period,
                "unit": w["lile"].pk,
                "doc_number": "礼乐〔2024〕1号",
                "issue_date": "",
            },
            list_text=lambda b: b.title,
            pages=[lambda b: reverse("reporting:bulletin_figure", args=[b.pk, key]),
                   lambda b: reverse("reporting:bulletin_download", args=[b.pk, "docx"]),
                   reverse("reporting:bulletin_settings"), reverse("cockpit:index")],
            actions=[lambda b: reverse("reporting:bulletin_publish", args=[b.pk]),
                     lambda b: reverse("reporting:bulletin_delete", args=[b.pk])],
            api_list_url=reverse("bulletin-list"),
            api_detail_url=lambda b: reverse("bulletin-detail", args=[b.pk]),
        )

    def test_figure_and_download_pages_follow_scope(self, client, world):
        client.force_login(world.permitted)
        key = next(iter(world.own.content["figures"]))
        assert client.get(reverse("reporting:bulletin_figure", args=[world.own.pk, key])).status_code == 200
        assert (
            client.get(reverse("reporting:bulletin_figure", args=[world.foreign.pk, key])).status_code == 404
        )
        assert (
            client.get(reverse("reporting:bulletin_figure", args=[world.own.pk, "no.such.key"])).status_code
            == 404
        )
        assert (
            client.get(reverse("reporting:bulletin_download", args=[world.foreign.pk, "docx"])).status_code
            == 404
        )
        client.force_login(world.outsider)
        assert (
            client.get(reverse("reporting:bulletin_download", args=[world.own.pk, "json"])).status_code == 403
        )

    def test_bad_period_is_a_chinese_form_error(self, client, world):
        client.force_login(world.permitted)
        resp = client.post(
            reverse("reporting:bulletin_create"),
            {"programme": "rural", "period": "2024-13", "unit": world.own.unit_id},
        )
        assert resp.status_code == 200 and "通报月份应为 YYYY-MM 格式" in resp.content.decode()


# --- journey 5: the village's week --------------------------------------------------------------------


def test_operator_home_shows_this_and_last_week_with_the_button(client, jh):
    client.force_login(jh["operator"])
    page = client.get(reverse("dispatch:home")).content.decode()
    assert "乡村绿化周报" in page and "填报本周" in page
    assert "未报" in page  # last week is past its deadline with nothing submitted
    assert "金溪社区" not in page


def test_reviewer_grid_shows_units_weeks_and_rates(client, jh):
    client.force_login(jh["reviewer"])
    page = client.get(reverse("dispatch:home")).content.decode()
    assert "向前村" in page and "英南村" in page and "金溪社区" not in page  # only the reviewer's subdistrict
    assert "报送率" in page and "cell-missing" in page
    # the history weeks were all submitted (now, so late): only last week is missing
    assert re.search(r"应报 <strong>\d+</strong> 份", page)


def test_submit_week_with_outlier_needs_confirmation_and_keeps_photo(client, jh):
    client.force_login(jh["operator"])
    url = submit_url(jh)
    page = client.get(url).content.decode()
    assert "已落实苗木" in page and 'inputmode="numeric"' in page and "暂存" in page and "提交" in page

    resp = client.post(url, post_data(figures(2000, 900)))
    page = resp.content.decode()
    assert resp.status_code == 200
    assert "明显偏离本单位以往各周水平" in page and "我已核实，数据无误" in page
    assert not Submission.objects.filter(unit=jh["xq"], week_start=LAST_WEEK).exists()

    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    resp = client.post(url, {**post_data(figures(2000, 900), confirm="on"), "photos": photo})
    sub = Submission.objects.get(unit=jh["xq"], week_start=LAST_WEEK)
    assert resp.status_code == 302 and resp["Location"] == sub.get_absolute_url()
    assert sub.status == S.SUBMITTED and sub.figures["trees_planted"] == 900 and sub.flags
    assert Attachment.objects.filter(object_id=str(sub.pk), original_name="现场.png").exists()
    detail = client.get(sub.get_absolute_url()).content.decode()
    assert "现场.png" in detail and "明显偏离" in detail  # the photo and the confirmed flag


def test_field_errors_in_chinese_next_to_their_fields(client, jh):
    client.force_login(jh["operator"])
    resp = client.post(submit_url(jh), post_data({**figures(25, 12), "training": "很多", "meetings": None}))
    page = resp.content.decode()
    assert "“培训人次”：无法识别的数值“很多”" in page
    assert not Submission.objects.filter(unit=jh["xq"], week_start=LAST_WEEK).exists()
    resp = client.post(submit_url(jh), post_data({**figures(25, 12), "meetings": None}))
    assert "请填写“座谈会”" in resp.content.decode()
    # more trees than seedlings to date: the cumulative rule
    resp = client.post(submit_url(jh), post_data(figures(0, 500), confirm="on"))
    assert "累计已植树不能超过累计已落实苗木" in resp.content.decode()


def test_photo_must_be_jpg_or_png(client, jh):
    client.force_login(jh["operator"])
    doc = SimpleUploadedFile("说明.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    resp = client.post(submit_url(jh), {**post_data(figures(25, 12)), "photos": doc})
    assert "请上传 jpg 或 png 图片" in resp.content.decode()
    assert not Submission.objects.filter(unit=jh["xq"], week_start=LAST_WEEK).exists()


def test_draft_then_submit(client, jh):
    client.force_login(jh["operator"])
    client.post(submit_url(jh), post_data(figures(25, 12), action="draft"))
    sub = Submission.objects.get(unit=jh["xq"], week_start=LAST_WEEK)
    assert sub.status == S.DRAFT and sub.first_submitted_at is None
    assert 'value="25"' in client.get(submit_url(jh)).content.decode()  # the draft is shown again
    client.post(submit_url(jh), post_data(figures(25, 12)))
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED


def test_return_correct_approve_lock_and_reopen(client, jh):
    op, rev = jh["operator"], jh["reviewer"]
    client.force_login(op)
    client.post(submit_url(jh), post_data(figures(26, 15)))
    sub = Submission.objects.get(unit=jh["xq"], week_start=LAST_WEEK)
    detail = reverse("dispatch:submission_detail", args=[sub.pk])
    assert "审核通过" not in client.get(detail).content.decode()  # an operator does not review

    # the reviewer returns without a reason: a Chinese error, nothing changes
    client.force_login(rev)
    page = client.get(detail).content.decode()
    assert "审核通过" in page and "退回" in page
    resp = client.post(detail, {"op": "return", "reason": "  "})
    assert resp.status_code == 200 and "退回必须填写原因" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED
    # with a reason
    resp = client.post(detail, {"op": "return", "reason": "已落实苗木数与村里台账不符，请核实"})
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.status == S.RETURNED and sub.return_reason == "已落实苗木数与村里台账不符，请核实"

    # the operator is told, sees the reason, corrects and resubmits
    client.force_login(op)
    assert Notification.objects.filter(user=op, read_at__isnull=True).exists()
    home = client.get(reverse("dispatch:home")).content.decode()
    assert 'id="unread-badge"' in home and "已落实苗木数与村里台账不符" in home
    assert "已落实苗木数与村里台账不符" in client.get(submit_url(jh)).content.decode()
    resp = client.post(submit_url(jh), post_data(figures(27, 15)))
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.status == S.SUBMITTED and sub.figures["seedlings_secured"] == 27

    # approved: the week is locked
    client.force_login(rev)
    assert client.post(detail, {"op": "approve", "reason": ""}).status_code == 302
    sub.refresh_from_db()
    assert sub.status == S.APPROVED and sub.locked

    client.force_login(op)
    page = client.get(submit_url(jh)).content.decode()
    assert 'id="locked-note"' in page and "disabled" in page
    resp = client.post(submit_url(jh), post_data(figures(99, 15), confirm="on"))
    assert resp.status_code == 409 and "已审核锁定" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.figures["seedlings_secured"] == 27 and sub.status == S.APPROVED

    # reopening needs a reason and is audited
    client.force_login(rev)
    resp = client.post(detail, {"op": "reopen", "reason": ""})
    assert "重新打开必须填写原因" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == S.APPROVED
    assert client.post(detail, {"op": "reopen", "reason": "已植树数录入错误"}).status_code == 302
    sub.refresh_from_db()
    assert sub.status == S.RETURNED
    entry = AuditEntry.objects.filter(
        object_type="dispatch.submission", object_id=str(sub.pk), actor=rev
    ).latest("seq")
    assert "重新打开" in entry.message and "已植树数录入错误" in entry.message
    history = client.get(detail).content.decode()
    assert "重新打开已锁定周报" in history and "退回：已落实苗木数与村里台账不符" in history


def test_submissions_list_filters_by_status_and_exports(client, jh):
    services.submission_review(submission=jh["history"][0], actor=jh["reviewer"], approve=True)
    client.force_login(jh["reviewer"])
    page = client.get(reverse("dispatch:submission_list") + "?status=approved").content.decode()
    assert "共 1 条" in page
    resp = client.get(reverse("dispatch:submission_list") + "?status=approved&export=xlsx")
    assert resp.content[:2] == b"PK"


def test_notifications_mark_read(client, jh):
    op = jh["operator"]
    n = Notification.objects.create(user=op, text="【周调度提醒】向前村：尚未报送", url="/dispatch/")
    Notification.objects.create(user=jh["jx_operator"], text="别人的通知")
    client.force_login(op)
    page = client.get(reverse("core:notifications")).content.decode()
    assert "尚未报送" in page and "别人的通知" not in page
    resp = client.get(reverse("core:notification_open", args=[n.pk]))
    assert resp.status_code == 302 and resp["Location"] == "/dispatch/"
    n.refresh_from_db()
    assert n.read_at is not None
    other = Notification.objects.get(text="别人的通知")
    assert client.get(reverse("core:notification_open", args=[other.pk])).status_code == 404


# --- journey 6: the month's bulletin ------------------------------------------------------------------


def make_bulletin(jh, **kwargs):
    return reporting_services.bulletin_create(
        programme="rural",
        period=f"{timezone.localdate():%Y-%m}",
        unit=jh["district"],
        actor=jh["manager"],
        **kwargs,
    )


def trees_total(jh):
    return sum(s.figures["trees_planted"] for s in jh["history"])


def test_bulletin_page_links_each_number_to_its_records(client, jh):
    draft = services.submission_save(
        form=jh["form"],
        unit=jh["yn"],
        week_start=LAST_WEEK,
        actor=None,
        submit=False,
        text="",
        figures=figures(35, 15),
    )  # a draft is not counted
    b = make_bulletin(jh)
    client.force_login(jh["manager"])
    page = client.get(b.get_absolute_url()).content.decode()
    total = trees_total(jh)
    figure_url = reverse("reporting:bulletin_figure", args=[b.pk, "green.trees_planted"])
    assert "全区村（社区）参加乡村绿化培训共" in page
    assert f'<a class="ref" href="{figure_url}">{total}</a>' in page  # "…已植树<a>N</a>株"
    assert "本通报为" in page and "生成的快照，之后的数据变化不影响本通报" in page
    # every ref in the page opens a figure page
    refs = set(re.findall(r'class="ref" href="([^"]+)"', page))
    assert len(refs) >= 5
    for url in refs:
        assert client.get(url).status_code == 200, url

    fig_page = client.get(figure_url).content.decode()
    assert f'id="figure-value">{total}<' in fig_page
    assert f'id="figure-total">{total}<' in fig_page  # the listed records add up to the number
    rows = re.findall(r"<tr>\s*<td class=\"text-muted small\">", fig_page)
    assert len(rows) == len(jh["history"])  # 15 submissions counted, the draft not
    assert "向前村" in fig_page and "金溪社区" in fig_page
    assert f'href="{draft.get_absolute_url()}"' not in fig_page
    for s in jh["history"][:3]:
        assert f'href="{s.get_absolute_url()}"' in fig_page  # the manager may open each record

    # the district's bulletin is outside a subdistrict reviewer's scope
    client.force_login(jh["reviewer"])
    assert client.get(figure_url).status_code == 404

    # a record deleted since the bulletin was built
    gone = jh["history"][0]
    Submission.objects.filter(pk=gone.pk).delete()
    client.force_login(jh["manager"])
    assert "记录已删除" in client.get(figure_url).content.decode()


def test_docx_download_contains_the_headline(client, jh):
    from docx import Document

    b = make_bulletin(jh, doc_number="江海百千万办〔2024〕3号")
    client.force_login(jh["manager"])
    resp = client.get(reverse("reporting:bulletin_download", args=[b.pk, "docx"]))
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    assert ".docx" in resp["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(resp.content)).paragraphs)
    headline = next(plain_text(bl) for bl in b.content["blocks"] if bl["type"] == "paragraph")
    assert b.title in text and headline in text and "江海百千万办〔2024〕3号" in text
    xlsx = client.get(reverse("reporting:bulletin_download", args=[b.pk, "xlsx"]))
    assert xlsx.content[:2] == b"PK"
    assert client.get(reverse("reporting:bulletin_download", args=[b.pk, "json"])).json()["title"] == b.title


def test_published_bulletin_keeps_its_numbers_after_the_data_changes(client, jh):
    b = make_bulletin(jh)
    client.force_login(jh["manager"])
    assert client.post(reverse("reporting:bulletin_publish", args=[b.pk])).status_code == 302
    b.refresh_from_db()
    assert b.status == Bulletin.Status.PUBLISHED
    before = trees_total(jh)
    figure_url = reverse("reporting:bulletin_figure", args=[b.pk, "green.trees_planted"])
    services.submission_save(
        form=jh["form"],
        unit=jh["yn"],
        week_start=LAST_WEEK,
        actor=None,
        confirm=True,
        text="",
        figures=figures(9000, 8765),
    )
    after = before + 8765
    assert (
        make_bulletin(jh).content["figures"]["green.trees_planted"]["value"] == after
    )  # the data did change
    page = client.get(b.get_absolute_url()).content.decode()
    assert f'<a class="ref" href="{figure_url}">{before}</a>' in page and str(after) not in page
    assert f'id="figure-value">{before}<' in client.get(figure_url).content.decode()
    json_doc = client.get(reverse("reporting:bulletin_download", args=[b.pk, "json"])).json()
    assert json_doc["figures"]["green.trees_planted"]["value"] == before
    # publishing twice is refused with a message, the page stays
    resp = client.post(reverse("reporting:bulletin_publish", args=[b.pk]), follow=True)
    assert "该通报已发布" in resp.content.decode()


def test_only_managers_generate_bulletins(client, jh):
    client.force_login(jh["reviewer"])
    assert client.get(reverse("reporting:bulletin_create")).status_code == 403
    b = make_bulletin(jh)
    client.force_login(jh["operator"])
    assert client.get(b.get_absolute_url()).status_code == 404  # the district's bulletin is outside a village
    assert Task.objects.count() == 0


def test_standalone_html_has_no_links_or_external_assets(jh):
    from django.template.loader import render_to_string

    b = make_bulletin(jh)
    html = render_to_string("reporting/bulletin_standalone.html", {"content": b.content, "links": False})
    assert b.title in html and "<style>" in html
    assert "<a " not in html and "<link" not in html and "<script" not in html


def test_bulletin_names_the_leader_by_name_and_post_not_an_account(client, jh):
    """The overdue-task table prints "郑丹辉 区委副书记、区长", never the account's display text."""
    from countyworks.core.factories import PersonFactory

    account = user_with_role(R.LEADER, D, jh["district"], full_name="区长（领导驾驶舱）")
    person = PersonFactory(name="郑丹辉", post="区委副书记、区长", unit=jh["district"], user=account)
    task = services.task_create(actor=None, programme="rural", title="逾期的植树任务", unit=jh["lile"],
                                deadline=timezone.localdate() - timedelta(days=5), leader=person)
    b = reporting_services.bulletin_create(programme="rural", period=f"{timezone.localdate():%Y-%m}",
                                           unit=jh["district"], actor=None)
    import json

    table = next(bl for bl in b.content["blocks"] if bl["type"] == "table" and "逾期重点任务" in bl.get("title", ""))
    text = json.dumps(table, ensure_ascii=False)
    assert "郑丹辉 区委副书记、区长" in text and "领导驾驶舱" not in text
    client.force_login(jh["manager"])
    page = client.get(reverse("dispatch:task_detail", args=[task.pk])).content.decode()
    assert "郑丹辉 区委副书记、区长" in page and "区长（领导驾驶舱）" not in page
