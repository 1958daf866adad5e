"""The bulletin content: a plain, JSON-serialisable structure built once from the data and then
frozen. Every renderer (web page, .docx, .xlsx, JSON) reads only this structure, so all formats
show the same numbers, and a published bulletin never changes.

    {
      "title": "某区招商引资工作月通报",
      "doc_number": "某投促〔2024〕3号",          # may be ""
      "issuer": "某区投资促进中心",
      "date": "2024-04-05",                         # issuing date, YYYY-MM-DD
      "period": "2024-03", "period_label": "2024年3月", "unit": "某区",
      "blocks": [
        {"type": "heading", "level": 1, "text": "一、总体情况"},       # level 1 一、 / 2 （一） / 3 1.
        {"type": "paragraph", "runs": [{"text": "全区引进亿元以上产业项目"},
                                        {"text": "51", "ref": "inv.projects_100m"},
                                        {"text": "个，同比增长"}, {"text": "18.6%", "ref": "inv.projects_100m_yoy"}]},
        {"type": "table", "title": "表1 各单位招商引资目标完成情况", "key": "inv.by_unit",
         "columns": ["排名", "单位", "目标(个)", "完成(个)", "完成率"],
         "rows": [[{"text": "1", "num": 1}, {"text": "某街道"}, {"text": "13", "num": 13},
                   {"text": "14", "num": 14, "ref": "inv.unit.12.projects_100m"}, {"text": "107.7%", "num": 107.7}]]},
      ],
      "figures": {                                  # what each ref means and which records it counts
        "inv.projects_100m": {"label": "2024年1—3月亿元以上项目数", "value": 51,
                              "model": "investment.project", "ids": [3, 5, 8]},
      },
    }

A run or cell with "ref" links (in the web version) to the figure page listing the records
named by figures[ref]["ids"] — the records as they were counted when the bulletin was built.
"""


def run(text, ref=None):
    return {"text": str(text), "ref": ref} if ref else {"text": str(text)}


def cell(text, num=None, ref=None):
    c = {"text": "" if text is None else str(text)}
    if num is not None:
        c["num"] = num
    if ref:
        c["ref"] = ref
    return c


def heading(level, text):
    return {"type": "heading", "level": level, "text": text}


def paragraph(*runs):
    return {"type": "paragraph", "runs": [r if isinstance(r, dict) else run(r) for r in runs]}


def table(title, columns, rows, key=""):
    return {"type": "table", "title": title, "columns": columns, "rows": rows, "key": key}


def plain_text(block):
    return "".join(r["text"] for r in block.get("runs", []))


CN_DIGITS = "零一二三四五六七八九"


def cn_numeral(n):
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (headings never reach 100)."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def level1(n, text):
    return heading(1, f"{cn_numeral(n)}、{text}")


def level2(n, text):
    return heading(2, f"（{cn_numeral(n)}）{text}")


# --- the wording every section shares ------------------------------------------------------------


def pct_phrase(p):
    """"同比增长18.6%" / "同比下降3.0%" / "上年同期无可比数据"."""
    if p is None:
        return "上年同期无可比数据"
    if p >= 0:
        return f"同比增长{p:.1f}%"
    return f"同比下降{abs(p):.1f}%"


def num(v):
    """A number as a bulletin prints it: 12, 3.5 (one decimal)."""
    f = float(v)
    return str(int(f)) if f == int(f) else f"{f:.1f}"


def names(items, limit=12):
    """A list of unit names for a sentence; long lists end in "等N个单位"."""
    items = list(items)
    if len(items) <= limit:
        return "、".join(items)
    return "、".join(items[:limit]) + f"等{len(items)}个单位"


def span_label(period):
    """The year-to-date span of a month period: "2024年1—3月", "2024年1月", "2024年"."""
    y, m = period.start.year, period.start.month
    if m == 12:
        return f"{y}年"
    if m == 1:
        return f"{y}年1月"
    return f"{y}年1—{m}月"


def area(unit):
    """How a sentence names the bulletin's unit: 全区 / 全县 for the top of a district or county."""
    kind = getattr(unit, "kind", "")
    return {"district": "全区", "county": "全县"}.get(str(kind), unit.name)
