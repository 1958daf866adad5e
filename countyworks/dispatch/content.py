"""The bulletin content: a plain, JSON-serialisable structure built once from the data and then
frozen. Every renderer (web page, .docx, .xlsx, JSON) reads only this structure, so all formats
show the same numbers, and a published bulletin never changes.

    {
      "title": "江海区招商引资工作月通报",
      "doc_number": "江海投促〔2024〕3号",          # may be ""
      "issuer": "江海区投资促进中心",
      "date": "2024-04-05",                         # issuing date, YYYY-MM-DD
      "period": "2024-03", "period_label": "2024年3月", "unit": "江海区",
      "blocks": [
        {"type": "heading", "level": 1, "text": "一、总体情况"},       # level 1 一、 / 2 （一） / 3 1.
        {"type": "paragraph", "runs": [{"text": "全区引进亿元以上产业项目"},
                                        {"text": "51", "ref": "inv.projects_100m"},
                                        {"text": "个，同比增长"}, {"text": "18.6%", "ref": "inv.projects_100m_yoy"}]},
        {"type": "table", "title": "表1 各单位招商引资目标完成情况", "key": "inv.by_unit",
         "columns": ["排名", "单位", "目标(个)", "完成(个)", "完成率"],
         "rows": [[{"text": "1", "num": 1}, {"text": "外海街道"}, {"text": "13", "num": 13},
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


CN_NUMERALS = "一二三四五六七八九十"


def level1(n, text):
    return heading(1, f"{CN_NUMERALS[n - 1]}、{text}")


def level2(n, text):
    return heading(2, f"（{CN_NUMERALS[n - 1]}）{text}")
