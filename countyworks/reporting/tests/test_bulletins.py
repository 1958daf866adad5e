"""Bulletin building: computed sentences, praise and named units, refs to the counted records,
frozen snapshots, the command line."""

import json
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from countyworks.core.models import Indicator, Target
from countyworks.dispatch import services as svc
from countyworks.investment.tests.conftest import make_project
from countyworks.reporting import services as rsvc
from countyworks.reporting.bulletins import bulletin_build
from countyworks.reporting.content import plain_text


def text_of(content):
    return "".join(plain_text(b) for b in content["blocks"] if b["type"] == "paragraph")


@pytest.fixture
def projects(world):
    d = world["district"]
    ind = Indicator.objects.get(code="projects_100m")
    Target.objects.create(unit=world["sub"], indicator=ind, year=2024, value=Decimal(4))
    Target.objects.create(unit=world["other"], indicator=ind, year=2024, value=Decimal(10))
    make_project(world["v1"], 20000, date(2024, 1, 10))
    make_project(world["v2"], 150000, date(2024, 2, 10))
    make_project(world["v3"], 12000, date(2024, 3, 1))
    make_project(world["v3"], 30000, date(2023, 3, 1))
    make_project(world["v3"], 5000, date(2024, 3, 2))  # under 1亿: does not count
    make_project(world["v1"], 20000, date(2024, 4, 2))  # after the period
    return d


@pytest.mark.django_db
def test_investment_sentence_table_praise_and_named(world, projects):
    c = bulletin_build(programme="investment", period="2024-03", unit=projects)
    text = text_of(c)
    assert (
        "2024年1—3月，全区引进亿元以上产业项目3个，同比增长200.0%；计划总投资18.2亿元，同比增长506.7%；"
        "其中10亿元以上项目1个，上年同期无可比数据。" in text
    )
    table = next(b for b in c["blocks"] if b["type"] == "table")
    rows = {r[1]["text"]: r for r in table["rows"]}
    assert (
        rows["甲街道"][0]["text"] == "1"
        and rows["甲街道"][3]["text"] == "2"
        and rows["甲街道"][4]["text"] == "50.0%"
    )
    assert "通报表扬：甲街道" in text
    assert "通报批评：乙街道" in text  # 10% of its target after a quarter (time progress 25%)
    assert len(c["figures"]["inv.projects_100m"]["ids"]) == 3
    ref = rows["乙街道"][3]["ref"]
    assert len(c["figures"][ref]["ids"]) == 1


@pytest.mark.django_db
def test_without_targets_no_sentence_claims_completion_or_time_progress(world, client):
    """A county that set no targets: the bulletin praises the first-ranked unit (a fact), never
    says "均达到时序进度" and names nobody for a completion rate it cannot compute; the rules page
    states the rule."""
    make_project(world["v1"], 20000, date(2024, 1, 10))
    make_project(world["v1"], 30000, date(2024, 2, 10))
    make_project(world["v2"], 12000, date(2024, 3, 1))
    make_project(world["v3"], 15000, date(2024, 3, 2))
    from countyworks.core.factories import OrgUnitFactory, user_with_role
    from countyworks.core.models import Programme, RoleKind

    third = OrgUnitFactory(name="丙街道", parent=world["district"])
    make_project(third, 11000, date(2024, 3, 3))
    text = text_of(bulletin_build(programme="investment", period="2024-03", unit=world["district"]))
    assert "时序进度" not in text and "通报批评" not in text and "排名末位" not in text
    assert "通报表扬：甲街道" in text
    client.force_login(user_with_role(RoleKind.MANAGER, Programme.INVESTMENT, world["district"]))
    page = client.get("/investment/rules/").content.decode()
    assert "未设目标的单位不作完成率评价" in page


@pytest.mark.django_db
def test_decline_phrase(world):
    make_project(world["v1"], 20000, date(2023, 1, 10))
    make_project(world["v1"], 20000, date(2023, 1, 11))
    make_project(world["v1"], 20000, date(2024, 1, 10))
    assert "同比下降50.0%" in text_of(
        bulletin_build(programme="investment", period="2024-01", unit=world["district"])
    )


@pytest.mark.django_db
def test_published_snapshot_does_not_move(world, projects):
    b = rsvc.bulletin_create(programme="investment", period="2024-03", unit=projects, actor=world["manager"])
    rsvc.bulletin_publish(bulletin=b, actor=world["manager"])
    frozen = json.dumps(b.content, sort_keys=True)
    make_project(world["v1"], 90000, date(2024, 3, 5))
    b.refresh_from_db()
    assert json.dumps(b.content, sort_keys=True) == frozen
    assert "产业项目4个" in text_of(bulletin_build(programme="investment", period="2024-03", unit=projects))


@pytest.mark.django_db
def test_rural_bulletin_reporting_rate_and_named_missing(world):
    f = world["form"]
    week = date(2024, 3, 4)
    for unit, op in (("v1", "op1"), ("v2", "op2")):
        s = svc.submission_save(
            form=f,
            unit=world[unit],
            week_start=week,
            actor=world[op],
            text="",
            figures={"seedlings_secured": 10, "trees_planted": 6},
            confirm=True,
        )
        from countyworks.dispatch.models import Submission

        Submission.objects.filter(pk=s.pk).update(first_submitted_at=f.due_at(week) - timedelta(hours=1))
    c = bulletin_build(programme="rural", period="2024-03", unit=world["district"])
    text = text_of(c)
    assert "截至3月底，全区村（社区）目前已落实苗木数量20株，已植树12株。" in text
    assert "培训" not in text  # the form has no training figure: no sentence about it
    # March has the weeks of 4, 11, 18 and 25 March: 3 units × 4 weeks expected, 2 reports
    assert "应报12份，实报2份，报送率16.7%" in text and "存在漏报的单位：一村、二村、三村" in text
    # every figure opens its records: 应报 the three reporting units, 实报 the two reports
    figs = c["figures"]
    assert len(figs[f"dispatch.{f.code}.expected"]["ids"]) == 3
    assert len(figs[f"dispatch.{f.code}.submitted"]["ids"]) == 2
    runs = [r for b in c["blocks"] if b["type"] == "paragraph" for r in b["runs"] if r.get("ref")]
    assert {"12份", "2份", "16.7%"} <= {r["text"] for r in runs}
    # and the per-unit greening table's figures too (已落实苗木, 植树率, 培训), not only 已植树 (a coverage
    # with no plan or grid behind it has nothing to open and stays plain text)
    for t in (b for b in c["blocks"] if b["type"] == "table" and "已落实苗木(株)" in b["columns"]):
        for row in t["rows"]:
            assert all(cell.get("ref") for cell in row[2:6]), " ".join(str(c.get("ref")) for c in row)


@pytest.mark.django_db
def test_bulletin_command_writes_each_format(world, projects, tmp_path):
    for fmt in ("json", "docx", "xlsx", "html"):
        out = tmp_path / f"b.{fmt}"
        call_command(
            "bulletin",
            "--programme",
            "investment",
            "--period",
            "2024-03",
            "--format",
            fmt,
            "-o",
            str(out),
            stdout=StringIO(),
        )
        data = out.read_bytes()
        assert data, fmt
        if fmt == "json":
            assert json.loads(data)["figures"]["inv.projects_100m"]["value"] == 3
        elif fmt in ("docx", "xlsx"):
            assert data[:2] == b"PK"
        else:
            assert (
                "产业项目3个" in data.decode()
                and "http://" not in data.decode()
                and "https://" not in data.decode()
            )


@pytest.mark.django_db
def test_bad_period_is_a_clear_error(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="月份“13”无效"):
        call_command("bulletin", "--programme", "investment", "--period", "2024-13", "-o", "/tmp/x.json")


@pytest.mark.django_db
def test_bulletin_for_a_month_not_begun_is_refused(world):
    from django.core.management.base import CommandError
    from django.utils import timezone

    today = timezone.localdate()
    future = f"{today.year + 2}-{today.month:02d}"
    with pytest.raises(ValueError, match="尚未开始"):
        bulletin_build(programme="investment", period=future, unit=world["district"])
    with pytest.raises(CommandError, match="尚未开始"):
        call_command("bulletin", "--programme", "investment", "--period", future, "--format", "json",
                     "-o", "/dev/null", stdout=StringIO())


@pytest.mark.django_db
def test_bulletin_of_the_running_month_says_through_which_day(world, settings):
    from countyworks.reporting import bulletins

    settings.COUNTYWORKS_TODAY = "2024-03-20"
    b = bulletins.Builder(programme="rural", period="2024-03", unit=world["district"])
    assert b.through == date(2024, 3, 20)
    assert b.through_label == "3月20日"
    settings.COUNTYWORKS_TODAY = "2024-04-02"
    assert bulletins.Builder(programme="rural", period="2024-03", unit=world["district"]).through_label == "3月底"


@pytest.mark.django_db
def test_a_second_publication_of_the_same_month_is_a_correction_and_both_are_kept(world, projects):
    from django.core.exceptions import ValidationError

    from countyworks.reporting.models import Bulletin

    first = rsvc.bulletin_create(programme="investment", period="2024-03", unit=projects, actor=world["manager"])
    rsvc.bulletin_publish(bulletin=first, actor=world["manager"])
    second = rsvc.bulletin_create(programme="investment", period="2024-03", unit=projects, actor=world["manager"])
    with pytest.raises(ValidationError, match="请填写更正说明"):
        rsvc.bulletin_publish(bulletin=second, actor=world["manager"])
    assert Bulletin.objects.get(pk=second.pk).status == Bulletin.Status.DRAFT
    rsvc.bulletin_publish(bulletin=second, actor=world["manager"], correction_note="更正甲街道项目数")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Bulletin.Status.SUPERSEDED
    assert second.supersedes_id == first.pk and second.status == Bulletin.Status.PUBLISHED
    assert "更正" in second.content["correction"]["text"] and "更正甲街道项目数" in second.content["correction"]["text"]
    assert Bulletin.objects.filter(period="2024-03", unit=projects, programme="investment",
                                   status=Bulletin.Status.PUBLISHED).count() == 1


@pytest.mark.django_db
def test_issuer_masthead_and_number_come_from_the_units_setting(world, projects):
    from countyworks.reporting.models import BulletinSetting

    default = bulletin_build(programme="investment", period="2024-03", unit=projects)
    assert default["issuer"] == f"{projects.name}投资促进中心"
    BulletinSetting.objects.create(unit=projects, programme="investment", issuer="某区招商办",
                                   masthead="某区招商引资工作领导小组办公室", doc_prefix="某招")
    content = bulletin_build(programme="investment", period="2024-03", unit=projects)
    assert content["issuer"] == "某区招商办"
    assert content["masthead"] == "某区招商引资工作领导小组办公室"


@pytest.mark.django_db
def test_the_document_number_is_numbered_from_the_units_prefix(world, projects):
    from countyworks.reporting.models import BulletinSetting

    BulletinSetting.objects.create(unit=projects, programme="investment", doc_prefix="某招")
    first = rsvc.bulletin_create(programme="investment", period="2024-02", unit=projects, actor=world["manager"])
    assert first.content["doc_number"] == "某招〔2024〕1号"
    rsvc.bulletin_publish(bulletin=first, actor=world["manager"])
    second = bulletin_build(programme="investment", period="2024-03", unit=projects)
    assert second["doc_number"] == "某招〔2024〕2号"
    assert bulletin_build(programme="investment", period="2024-03", unit=projects, doc_number="特〔2024〕9号")[
        "doc_number"] == "特〔2024〕9号"
