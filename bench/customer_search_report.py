"""The Users and Accounts search results as Markdown tables for docs/performance.md.

    python bench/customer_search_report.py bench/results/sqlite-directory-1m.jsonl

One row per workload: p50 / p95 / p99 and requests/s over HTTP, the raw SQL's p50 / p95 and
statements of the same searches, the page / raw SQL ratio at p95, and the load average before and
after the run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def label(workload: str, clients: int) -> str:
    name = workload.removeprefix("directory_search ")
    tab = "Accounts: " if name.startswith("accounts_") else ""
    name = name.removeprefix("accounts_")
    if "_by_" in name:
        term, rest = name.split("_by_")
        column, order = rest.rsplit("_", 1)
        text = f"{term.replace('_', ' ')} prefix, by {column} {order}"
    else:
        column, order, at = name.rsplit("_", 2)
        text = f"{column} {order}, {'first page' if at == 'first' else 'a later page'}"
    return tab + text + (f", {clients} clients" if clients > 1 else "")


def main() -> None:
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line.strip()]
    print(
        "| workload | p50 | p95 | p99 | req/s | raw SQL p50 / p95 (statements) | page / raw p95 | load before → after |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "workload" not in r:
            continue
        raw = r["raw_sql"]
        ratio = f"{r['p95_ms'] / raw['p95_ms']:.1f}x" if raw["p95_ms"] else "—"
        errors = f" ({r['errors']} errors)" if r.get("errors") else ""
        print(f"| {label(r['workload'], r['clients'])}{errors} | {r['p50_ms']} ms | {r['p95_ms']} ms | {r['p99_ms']} ms"
              f" | {r['req_per_s']} | {raw['p50_ms']} / {raw['p95_ms']} ms ({raw.get('statements', 1)}) | {ratio}"
              f" | {r.get('loadavg_before', '-').split()[0]} → {r.get('loadavg_after', '-').split()[0]} |")  # fmt: skip
    for r in rows:
        if "max_worker_rss_mb" in r:
            print(f"\nWeb worker memory after the run: {r['max_worker_rss_mb']} MB RSS.")


if __name__ == "__main__":
    main()
