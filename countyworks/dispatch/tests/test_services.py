"""Weekly dispatch: submitting, validation rules, robust outliers, review, lock and audited
reopening, reporting rates and reminders that go only to units that owe something."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from countyworks.core.models import AuditEntry
from countyworks.dispatch import services as svc
from countyworks.dispatch.models import Notification, Reminder, ReportForm, Submission
from countyworks.dispatch.selectors import reporting_rates, robust_outlier, totals_to_date, week_status

W1, W2, W3 = date(2024, 2, 19), date(2024, 2, 26), date(2024, 3, 4)


def submit(w, unit, actor, week, seedlings, trees, at=None, confirm=True):
    sub = svc.submission_save(
        form=w["form"],
        unit=w[unit],
        week_start=week,
        actor=actor,
        text="",
        figures={"seedlings_secured": seedlings, "trees_planted": trees},
        confirm=confirm,
    )
    if at:
        Submission.objects.filter(pk=sub.pk).update(first_submitted_at=at, submitted_at=at)
        sub.refresh_from_db()
    return sub


def aware(y, m, d, h=12):
    return timezone.make_aware(datetime(y, m, d, h))


@pytest.mark.django_db
class TestSubmit:
    def test_cumulative_rule_refuses_more_trees_than_seedlings(self, world):
        submit(world, "v1", world["op1"], W1, 10, 8)
        with pytest.raises(ValidationError) as exc:
            submit(world, "v1", world["op1"], W2, 1, 4)  # cumulative 12 trees > 11 seedlings
        assert "累计已植树不能超过累计已落实苗木" in str(exc.value)
        assert not Submission.objects.filter(week_start=W2).exists()

    def test_a_flag_rule_lets_the_week_through_with_an_explanation(self, world, client):
        form = world["form"]
        form.rules = [{**form.rules[0], "severity": "flag"}]
        form.save()
        submit(world, "v1", world["op1"], W1, 10, 8)
        with pytest.raises(ValidationError) as exc:
            submit(world, "v1", world["op1"], W2, 1, 4)  # cumulative 12 trees > 11 seedlings, no explanation
        assert "累计已植树（12）超过累计已落实苗木（11）" in str(exc.value) and "情况说明" in str(exc.value)
        assert not Submission.objects.filter(week_start=W2).exists()
        sub = svc.submission_save(form=form, unit=world["v1"], week_start=W2, actor=world["op1"], text="",
                                  figures={"seedlings_secured": 1, "trees_planted": 4}, confirm=True,
                                  explanation="使用上年度结余苗木")
        assert sub.status == Submission.Status.SUBMITTED
        assert any("使用上年度结余苗木" in f for f in sub.flags)
        # the web form shows the explanation box for such a form, and the error lands on it
        client.force_login(world["op1"])
        page = client.get(f"/dispatch/forms/{form.pk}/submit/?unit={world['v1'].pk}&week={W3.isoformat()}")
        assert page.status_code == 200 and 'id="explanation-box"' in page.content.decode()
        resp = client.post(f"/dispatch/forms/{form.pk}/submit/?unit={world['v1'].pk}&week={W3.isoformat()}",
                           {"fig_seedlings_secured": "0", "fig_trees_planted": "5", "text": "", "confirm": "on"})
        assert resp.status_code == 200 and "请在“情况说明”中写明原因" in resp.content.decode()
        assert not Submission.objects.filter(week_start=W3).exists()
        resp = client.post(f"/dispatch/forms/{form.pk}/submit/?unit={world['v1'].pk}&week={W3.isoformat()}",
                           {"fig_seedlings_secured": "0", "fig_trees_planted": "5", "text": "", "confirm": "on",
                            "explanation": "社会捐赠树苗"})
        assert resp.status_code == 302 and Submission.objects.filter(week_start=W3).exists()

    def test_operator_cannot_report_for_another_unit(self, world):
        with pytest.raises(PermissionDenied):
            submit(world, "v2", world["op1"], W1, 1, 1)

    def test_future_week_refused(self, world):
        with pytest.raises(ValidationError, match="未来"):
            submit(
                world, "v1", world["op1"], date.today() + timedelta(days=14 - date.today().weekday()), 1, 1
            )

    def test_outlier_needs_confirmation(self, world):
        for k, v in enumerate([10, 12, 9, 11, 10]):
            submit(world, "v1", world["op1"], W1 + timedelta(days=7 * k), v, 0)
        week = W1 + timedelta(days=35)
        with pytest.raises(ValidationError) as exc:
            submit(world, "v1", world["op1"], week, 400, 0, confirm=False)
        assert "明显偏离" in str(exc.value.message_dict["confirm"])
        sub = submit(world, "v1", world["op1"], week, 400, 0, confirm=True)
        assert sub.flags and sub.status == Submission.Status.SUBMITTED

    def test_robust_method_not_fooled_by_one_past_spike(self):
        history = [10, 11, 9, 500, 10, 12]
        assert not robust_outlier(
            12, history
        )  # mean ± 3 SD would call 500's neighbours normal, median/MAD too
        assert robust_outlier(300, history)  # but mean ± 3 SD (mean≈92, sd≈200) would NOT flag 300
        assert not robust_outlier(300, [10, 11])  # too little history: no flag


@pytest.mark.django_db
class TestReview:
    def test_return_correct_approve_lock_reopen(self, world):
        sub = submit(world, "v1", world["op1"], W1, 10, 5)
        with pytest.raises(ValidationError, match="退回必须填写原因"):
            svc.submission_review(submission=sub, actor=world["reviewer"], approve=False, reason=" ")
        svc.submission_review(
            submission=sub, actor=world["reviewer"], approve=False, reason="苗木数与台账不符"
        )
        sub.refresh_from_db()
        assert sub.status == Submission.Status.RETURNED
        assert Notification.objects.filter(user=world["op1"], text__contains="苗木数与台账不符").exists()
        sub = submit(world, "v1", world["op1"], W1, 12, 5)
        svc.submission_review(submission=sub, actor=world["reviewer"], approve=True)
        with pytest.raises(ValidationError, match="已审核锁定"):
            submit(world, "v1", world["op1"], W1, 13, 5)
        with pytest.raises(ValidationError, match="原因"):
            svc.submission_reopen(submission=sub, actor=world["reviewer"], reason="")
        svc.submission_reopen(submission=sub, actor=world["reviewer"], reason="县里核查发现苗木重复统计")
        assert AuditEntry.objects.filter(object_id=str(sub.pk), message__contains="重新打开").exists()
        submit(world, "v1", world["op1"], W1, 11, 5)  # correction allowed again

    def test_reviewer_of_another_subdistrict_cannot_review(self, world):
        sub = submit(world, "v3", world["op3"], W1, 10, 5)
        with pytest.raises(PermissionDenied):
            svc.submission_review(submission=sub, actor=world["reviewer"], approve=True)


@pytest.mark.django_db
class TestRatesAndReminders:
    def test_reporting_rate_arithmetic(self, world):
        f = world["form"]
        due1, due2 = f.due_at(W1), f.due_at(W2)
        submit(world, "v1", world["op1"], W1, 5, 1, at=due1 - timedelta(hours=2))  # on time
        submit(world, "v2", world["op2"], W1, 5, 1, at=due1 + timedelta(hours=2))  # late
        submit(world, "v1", world["op1"], W2, 5, 1, at=due2 - timedelta(hours=1))  # on time
        r = reporting_rates(f, [W1, W2], now=aware(2024, 3, 4))
        # expected 3 units × 2 weeks = 6; submitted 3; on time 2; late 1; missing 3
        assert (r["expected"], r["submitted"], r["on_time"], r["late"], r["missing"]) == (6, 3, 2, 1, 3)
        assert r["reporting_rate"] == 50.0 and r["timeliness"] == 33.3
        per = {u["unit"]: u for u in r["units"]}
        assert per["一村"]["reporting_rate"] == 100.0 and per["三村"]["missing"] == 2

    def test_weeks_not_yet_due_are_not_expected(self, world):
        r = reporting_rates(world["form"], [W1], now=world["form"].due_at(W1) - timedelta(hours=1))
        assert r["expected"] == 0 and r["reporting_rate"] is None
        states = {
            row.unit.name: row.state
            for row in week_status(world["form"], W1, now=world["form"].due_at(W1) - timedelta(hours=1))
        }
        assert set(states.values()) == {"pending"}

    def test_reminders_only_to_units_that_owe_something_and_only_once(self, world):
        f = world["form"]
        submit(world, "v1", world["op1"], W1, 5, 1, at=f.due_at(W1) - timedelta(hours=2))
        returned = submit(world, "v2", world["op2"], W1, 5, 1)
        svc.submission_review(
            submission=returned, actor=world["reviewer"], approve=False, reason="请补充照片"
        )
        Notification.objects.all().delete()
        sent = svc.remind(now=f.due_at(W1) + timedelta(hours=1), week_start=W1)
        assert len(sent) == 2
        assert any("三村" in s and "尚未报送" in s for s in sent)
        assert any("二村" in s and "退回" in s for s in sent)
        assert not Notification.objects.filter(user=world["op1"]).exists()
        assert Notification.objects.filter(user=world["op3"]).count() == 1
        assert svc.remind(now=f.due_at(W1) + timedelta(hours=5), week_start=W1) == []  # not twice
        assert Reminder.objects.count() == 2

    def test_totals_to_date_sum_weekly_increments(self, world):
        submit(world, "v1", world["op1"], W1, 10, 4)
        submit(world, "v1", world["op1"], W2, 5, 6)
        submit(world, "v3", world["op3"], W2, 7, 7)
        totals, ids = totals_to_date(world["form"], through=W2 + timedelta(days=6))
        assert totals == {"seedlings_secured": Decimal(22), "trees_planted": Decimal(17)} and len(ids) == 3
        # the one "to date" rule: a week counts once it has ended — on W2's Monday only W1 counts
        totals, _ = totals_to_date(world["form"], through=W2, units=[world["v1"]])
        assert totals["trees_planted"] == 4
        totals, _ = totals_to_date(world["form"], through=W2 + timedelta(days=6), units=[world["v1"]])
        assert totals["trees_planted"] == 10


@pytest.mark.django_db
def test_reminders_go_to_the_group_robot_webhook(world, settings):
    """The 企业微信/政务微信 group-robot format, posted to a local test server."""
    import json as _json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(_json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    settings.DISPATCH_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test"
    f = world["form"]
    sent = svc.remind(now=f.due_at(W1) + timedelta(hours=1), week_start=W1)
    thread.join(timeout=5)
    server.server_close()
    assert len(sent) == 3
    assert received and received[0]["msgtype"] == "text"
    assert "三村" in received[0]["text"]["content"] and "尚未报送" in received[0]["text"]["content"]


@pytest.mark.django_db
class TestReportFormDefinition:
    FIELDS = "trees_planted | 已植树 | 株 | 必填\nseedlings_secured | 已落实苗木 | 株 | 必填\nnote_count | 备注数 | 条 | 选填"

    def post(self, client, url, **extra):
        data = {"code": "green2", "name": "绿化周报（二期）", "programme": "rural", "fields_text": self.FIELDS,
                "rules_text": "累计不超过 trees_planted seedlings_secured", "due_weekday": 5, "due_time": "17:00",
                "start_date": "2024-03-04", "active": "on"}
        data.update(extra)
        return client.post(url, data)

    def test_manager_defines_a_form_through_the_page(self, client, world):
        client.force_login(world["manager"])
        resp = self.post(client, "/dispatch/forms/new/", owner=world["district"].pk,
                         units=[world["v1"].pk, world["v2"].pk])
        assert resp.status_code == 302
        f = ReportForm.objects.get(code="green2")
        assert [x["code"] for x in f.fields] == ["trees_planted", "seedlings_secured", "note_count"]
        assert f.fields[2]["required"] is False and f.rules[0]["type"] == "cumulative_lte"
        assert set(f.units.values_list("name", flat=True)) == {"一村", "二村"}
        assert AuditEntry.objects.filter(object_type="dispatch.reportform", action="create").exists()

    def test_the_editor_declares_how_each_figure_adds_up(self, client, world):
        client.force_login(world["manager"])
        text = "visits | 走访户数 | 户 | 必填 | 取最新\ntrees_planted | 已植树 | 株 | 必填 | 累加"
        resp = self.post(client, "/dispatch/forms/new/", owner=world["district"].pk, units=[world["v1"].pk],
                         fields_text=text, rules_text="")
        assert resp.status_code == 302
        f = ReportForm.objects.get(code="green2")
        assert [x["aggregation"] for x in f.fields] == ["latest", "sum"]
        page = client.get(f"/dispatch/forms/{f.pk}/edit/").content.decode()
        assert "visits | 走访户数 | 户 | 必填 | 取最新" in page
        resp = self.post(client, "/dispatch/forms/new/", owner=world["district"].pk, units=[world["v1"].pk],
                         code="green3", fields_text="visits | 走访户数 | 户 | 必填 | 平均", rules_text="")
        assert "第1行第5列汇总方式应为“累加”或“取最新”" in resp.content.decode()

    def test_bad_lines_and_unknown_rule_figures_are_named(self, client, world):
        client.force_login(world["manager"])
        resp = self.post(client, "/dispatch/forms/new/", owner=world["district"].pk, units=[world["v1"].pk],
                         fields_text="trees_planted 已植树")
        assert "第1行应写作" in resp.content.decode()
        resp = self.post(client, "/dispatch/forms/new/", owner=world["district"].pk, units=[world["v1"].pk],
                         rules_text="累计不超过 trees_planted nothing")
        assert "不存在的指标“nothing”" in resp.content.decode()
        assert not ReportForm.objects.filter(code="green2").exists()

    def test_operators_cannot_define_forms_and_used_figures_cannot_be_removed(self, client, world):
        client.force_login(world["op1"])
        assert client.get("/dispatch/forms/new/").status_code == 403
        submit(world, "v1", world["op1"], W1, 5, 1)
        with pytest.raises(ValidationError, match="已有填报数据"):
            svc.report_form_save(actor=world["manager"], form=world["form"], units=[world["v1"]],
                                 fields=[world["form"].fields[0]], rules=[], name="乡村绿化周报")


@pytest.mark.parametrize("raw", ["Infinity", "NaN", "1e20", "1,2,3", "-5", "很多"])
def test_weekly_figures_refuse_what_is_not_a_count(world, raw):
    """The weekly figures go through core.parsing: no infinite, not-a-number, exponent or
    garbled-separator value is stored, and the message names the figure."""
    form = world["form"]
    figures, errors = svc.clean_figures(form, {"seedlings_secured": raw, "trees_planted": "3"})
    assert "seedlings_secured" in errors
    assert errors["seedlings_secured"].startswith("“已落实苗木”")
    assert figures["trees_planted"] == 3


def test_review_history_is_recorded_and_the_submitter_cannot_approve(world):
    from countyworks.core.models import FlowTransition
    from countyworks.dispatch.flows import SUBMISSION_FLOW

    sub = submit(world, "v1", world["op1"], date(2024, 3, 4), 10, 5)
    assert SUBMISSION_FLOW.refusal(sub, "approve", world["op1"]) is not None
    svc.submission_review(submission=sub, actor=world["reviewer"], approve=False, reason="数据有误")
    sub.refresh_from_db()
    steps = list(FlowTransition.objects.filter(object_type="dispatch.submission", object_id=sub.pk)
                 .order_by("pk").values_list("transition", "actor_id", "reason"))
    assert steps == [("submit", world["op1"].pk, ""), ("return", world["reviewer"].pk, "数据有误")]
    assert sub.status == Submission.Status.RETURNED and sub.return_reason == "数据有误"
