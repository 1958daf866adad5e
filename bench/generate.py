"""Generate a realistic enterprises .xlsx for the import benchmark.

Headers are the CountyWorks import template's: 企业名称, 统一社会信用代码, 所在城市, 产业类别,
企业规模, 联系人, 联系电话. Every 统一社会信用代码 is valid (both GB 32100 and GB 11714 check
characters) and unique; 产业类别 comes from the seeded Jianghai catalogue. The output is
deterministic for a given (rows, seed) and is cached under bench/out/.

    python bench/generate.py --rows 100000          # prints the path of the (cached) file
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from countyworks.core.identifiers import random_credit_code  # noqa: E402  (pure Python, no Django)

HEADERS = ["企业名称", "统一社会信用代码", "所在城市", "产业类别", "企业规模", "联系人", "联系电话"]
INDUSTRIES = ["安全应急产业", "高端装备制造", "前沿新材料", "新一代电子信息", "智能家电", "生物医药与健康", "其他"]
SIZES = ["大型", "中型", "小型", "微型"]
SIZE_WEIGHTS = [2, 10, 40, 48]
CITIES = ["江门", "江门", "江门", "广州", "深圳", "佛山", "珠海", "中山", "东莞", "香港", "澳门", ""]
PLACES = "江门江海礼乐外海滘头滘北粤港澳湾区五邑新会蓬江鹤山开平台山恩平"
WORDS = "华盛泰宏达信恒昌隆兴源丰瑞祥安康福鑫鼎森金银通博远创新科技智能精密电子电器材料装备制造生物医药健康照明五金"
TRADES = ["科技", "电子", "电器", "新材料", "机械", "照明", "五金制品", "精密制造", "生物科技", "智能装备", "贸易", "实业"]
FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
SURNAMES = "李王张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅志文斌辉健国庆建俊峰鹏浩宇欣怡嘉慧晓东海燕"
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159",
                   "176", "177", "180", "186", "187", "188", "189", "199"]


def default_path(rows: int, seed: int = 20240601) -> Path:
    return OUT_DIR / f"enterprises_{rows}_{seed}.xlsx"


def _name(rng: random.Random, i: int) -> str:
    place = "".join(rng.sample(PLACES, 2)) if rng.random() < 0.5 else "江门市"
    brand = "".join(rng.choice(WORDS) for _ in range(rng.choice((2, 2, 3))))
    # a row number suffix keeps names readable yet distinct (names are not unique in real life either)
    return f"{place}{brand}{rng.choice(TRADES)}{rng.choice(FORMS)}" + (f"（{i}）" if rng.random() < 0.05 else "")


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.4:
        return f"0750-{rng.choice('2345678')}{rng.randrange(10**6):06d}"
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


def iter_rows(rows: int, seed: int = 20240601):
    """Yield ``rows`` lists in HEADERS order; credit codes are unique."""
    rng = random.Random(seed)
    seen: set[str] = set()
    for i in range(1, rows + 1):
        code = random_credit_code(rng)
        while code in seen:
            code = random_credit_code(rng)
        seen.add(code)
        yield [
            _name(rng, i),
            code,
            rng.choice(CITIES),
            rng.choice(INDUSTRIES) if rng.random() < 0.95 else "",
            rng.choices(SIZES, SIZE_WEIGHTS)[0],
            rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            _phone(rng),
        ]


def write_xlsx(path: Path, rows: int, seed: int = 20240601) -> Path:
    """Write ``rows`` enterprises to ``path`` (xlsxwriter constant_memory: flat memory)."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True})
    ws = book.add_worksheet("企业名录")
    bold = book.add_format({"bold": True})
    for j, header in enumerate(HEADERS):
        ws.write_string(0, j, header, bold)
        ws.set_column(j, j, 30 if j == 0 else 18)
    for r, row in enumerate(iter_rows(rows, seed), start=1):
        for j, value in enumerate(row):
            if value:
                ws.write_string(r, j, value)
    book.close()
    tmp.replace(path)
    return path


def ensure_xlsx(rows: int, seed: int = 20240601, path: Path | None = None) -> Path:
    """The cached file for (rows, seed), generated on first use."""
    path = path or default_path(rows, seed)
    if not path.exists():
        write_xlsx(path, rows, seed)
    return path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = parser.parse_args(argv)
    path = default_path(args.rows, args.seed)
    if args.force and path.exists():
        path.unlink()
    print(ensure_xlsx(args.rows, args.seed, path))


if __name__ == "__main__":
    main()
