"""Turn bench/compare.sh results into the Markdown table of docs/performance.md.

    python bench/report.py bench/results/postgres-compare-200000.jsonl bench/results/sqlite-compare-200000.jsonl

One row per workload and database: p50/p95/p99 and requests/s at 1 client, requests/s and p95 at 8
clients, the page against the raw SQL of the same search (p95, same run), and the target of
PERFORMANCE.md it is held against.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# workload: (what it is, p95 target at 1 client in ms, req/s target at 8 clients)
TARGETS: dict[str, tuple[str, float | None, float | None]] = {
    "api_me": ("per-request floor, API (`GET /api/v1/me`)", 2, 1000),
    "console_page": ("per-request floor, console home (HTML)", 2, 1000),
    "find_email_html": ("Find customer, partial email (HTML)", 9, 300),
    "find_email_in_place": ("Find customer, partial email (HTML, in place: the page's own search)", 9, 300),
    "find_email_api": ("Find customer, partial email (API)", 9, 300),
    "find_name_html": ("Find customer, first + last name prefixes (HTML)", 9, 300),
    "find_name_in_place": ("Find customer, first + last name prefixes (HTML, in place: the page's own search)", 9, 300),
    "find_name_api": ("Find customer, first + last name prefixes (API)", 9, 300),
    "order_search_html": ("order search, status + surname, total descending (HTML)", 24, 65),
    "order_search_api": ("order search, status + surname, total descending (API)", 24, 65),
    "order_view_html": ("order view, 5 lines (HTML)", 6, 530),
    "order_view_api": ("order view, 5 lines (API)", 6, 530),
    "csr_add_api": ("a CSR's add to the customer's locked cart (API)", 5, 690),
    "shopper_add_api": ("a shopper's add to their own cart (API)", None, None),
    "lock_pair": ("order lock + release pair (API; req/s = pairs/s)", None, 500),
}


def _mark(value: float, target: float | None, *, higher_is_better: bool) -> str:
    if target is None:
        return f"{value:g}"
    met = value >= target if higher_is_better else value <= target
    return f"{value:g}" if met else f"**{value:g}**"


def rows(path: Path) -> list[str]:
    database = "PostgreSQL" if "postgres" in path.name else "SQLite"
    results: dict[tuple[str, int], dict] = {}
    rss = None
    for line in path.read_text().splitlines():
        item = json.loads(line)
        if "max_worker_rss_mb" in item:
            rss = item["max_worker_rss_mb"]
        else:
            results[(item["workload"], item["clients"])] = item
    out = []
    for workload, (label, p95_target, rps_target) in TARGETS.items():
        one, eight = results.get((workload, 1)), results.get((workload, 8))
        if one is None or eight is None:
            continue
        ratio = f"{one['ratio_p95']:g}x ({one['raw_sql_p95_ms']:g} ms)" if one.get("ratio_p95") else "—"
        out.append(
            f"| {label} | {database} | {one['p50_ms']:g} | {_mark(one['p95_ms'], p95_target, higher_is_better=False)} "
            f"| {one['p99_ms']:g} | {one['req_per_s']:g} | {eight['p95_ms']:g} "
            f"| {_mark(eight['req_per_s'], rps_target, higher_is_better=True)} | {ratio} "
            f"| {p95_target or '—'} ms / {rps_target or '—'} req/s | {one['errors'] + eight['errors']} |"
        )
    if rss is not None:
        out.append(f"| web process RSS after the run | {database} | {rss} MB (target < 150 MB) | | | | | | | | |")
    return out


HEADER = ["workload", "database", "p50 1c (ms)", "p95 1c", "p99 1c", "req/s 1c", "p95 8c", "req/s 8c",
          "page / raw SQL p95", "target", "errors"]  # fmt: skip


def main() -> None:
    print("| " + " | ".join(HEADER) + " |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in sys.argv[1:]:
        for row in rows(Path(name)):
            print(row)


if __name__ == "__main__":
    main()
