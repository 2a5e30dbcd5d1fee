"""docs/PERFORMANCE.md: one section per database and size, from that run's results.

Each run replaces only its own section (between `<!-- bench:begin KEY -->` and
`<!-- bench:end KEY -->`, KEY e.g. `postgres-10x`); the sections stand in a
fixed order under the header, and everything after them (the history) is kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from bench.measure import LARGE_TABLE

HEADER = """# Performance

Measured by `make bench` (`python -m bench`, the `bench/` package): a synthetic
brokerage generated into SQLite or PostgreSQL, then timed through the product's
own functions and through a real gunicorn on 127.0.0.1. Every number is also
given as a ratio to a floor measured in the same run on the same machine, so
that runs on different machines can be compared.

## How to reproduce

Each command writes (or replaces) its own section below:

```
python -m bench --no-load                                 # SQLite, 1×
python -m bench --database postgres --no-load             # PostgreSQL, 1×
python -m bench --database postgres --scale 10 --no-load --no-team-rules  # PostgreSQL, 10×
```

(`make bench BENCH_ARGS="--database postgres --scale 10"` is the last with the
load test and the team rules' refreshes.
`--database postgres` runs on a throwaway PostgreSQL cluster that
`scripts/with-postgres.sh` starts with `PG_DURABLE=1` (fsync, synchronous_commit
and full_page_writes on, as PostgreSQL ships) under `bench-data/`, schema by
`flask db upgrade`, rows by `COPY`, removed afterwards. `--scale N` multiplies
the default agents, partners, interactions and referrals; `--partners` etc. win
over it. `--reuse` re-measures the SQLite database already in `bench-data/`;
`make load` runs only the load test; `--no-team-rules` leaves out the four
refreshes of the team rules' measure.)

"""

ORDER = ("sqlite-1x", "postgres-1x", "postgres-10x")
SECTION = re.compile(r"<!-- bench:begin (\S+) -->\n.*?<!-- bench:end \1 -->\n", re.S)


def replace_section(text: str, key: str, body: str) -> str:
    """The report with section `key` (new or replaced) among the others, in
    ORDER (others after, by key), under HEADER; what follows the sections kept.
    Without any section yet, everything after the old text's title is kept
    below them."""
    found = {m.group(1): m.group(0) for m in SECTION.finditer(text)}
    if found:
        rest = text[list(SECTION.finditer(text))[-1].end() :]
    elif text.startswith(HEADER):
        rest = text[len(HEADER) :]
    else:
        rest = text.split("\n", 1)[1] if text.startswith("# ") else text
    found[key] = f"<!-- bench:begin {key} -->\n{body.rstrip()}\n<!-- bench:end {key} -->\n"
    keys = sorted(found, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    return (
        HEADER
        + "\n".join(found[k] for k in keys)
        + ("\n" + rest.lstrip("\n") if rest.strip() else "")
    )


def write_report(path: Path, command: str, r: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text() if path.exists() else ""
    path.write_text(replace_section(text, r["key"], "\n".join(section(command, r))))


def _bytes(measure: dict) -> str:
    """', 2,950 bytes': the median size of the answer, when measured."""
    return f", {measure['median_bytes']:,.0f} bytes" if "median_bytes" in measure else ""


def _mb(value) -> str:
    return f"{value / 2**20:,.0f} MB" if value else "not measured"


def _verdict(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return ""
    return "meets target" if value <= target else "**misses target**"


def _durability(server: dict) -> str:
    if "fsync" not in server:
        return server["database"]
    on = all(server.get(k) == "on" for k in ("fsync", "synchronous_commit", "full_page_writes"))
    return (
        f"{server['database']}, durability {'on' if on else '**off**'} (fsync "
        f"{server['fsync']}, synchronous_commit {server['synchronous_commit']}, "
        f"full_page_writes {server['full_page_writes']}); shared_buffers "
        f"{server['shared_buffers']}, work_mem {server['work_mem']} (as shipped)"
    )


PAGES = (
    ("log_interaction", "log one interaction (HTTP, re-evaluation, fragment)"),
    ("today", "Today"),
    ("search", "partner search (active search fragment)"),
    ("partner_page", "partner page (GET of one of their partners)"),
)


def section(command: str, r: dict) -> list[str]:
    size, machine = r["size"], r["machine"]
    http = r.get("http", {})
    lines = [
        f"## {r['title']}: {size['partners']:,} partners",
        "",
        "```",
        command.strip(),
        "```",
        "",
        f"- When: {machine['when']}; {machine['cpus']} CPUs; Python {machine['python']}; "
        f"{machine['platform']}",
        f"- Database: {_durability(r['server'])}",
        f"- Load average at the end: {', '.join(f'{x:.1f}' for x in machine['load_average'])} "
        "(other work on the machine inflates every number below)",
        f"- Size: {size['agents']} agents, {size['partners']:,} partners, "
        f"{size['interactions']:,} interactions, {size['referrals']:,} referrals "
        f"(seed {size['seed']}); database {_mb(r.get('database_bytes'))}",
        "- Rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()),
    ]
    if "generate" in r:
        g = r["generate"]
        parts = ", ".join(
            f"{k} {g[k]:.1f} s"
            for k in ("schema", "partners", "interactions", "referrals", "indexes", "analyze")
            if k in g
        )
        lines.append(f"- Generation: {g['total']:.1f} s ({parts})")
    if "agent" in http:
        lines.append(
            f"- Pages measured for agent 001 ({http['agent'].get('partners', 0):,} partners) "
            f"and for the team's manager ({http['manager'].get('partners', 0):,} partners, "
            "the whole team's), one gunicorn worker; n: the requests timed (a measure "
            f"stops after {http.get('budget_seconds', 60):g} s, 30 requests at least)"
        )
    floor = r["floor"]
    lines += [
        "",
        "| measure | result | ratio to floor | target | |",
        "|---|---|---|---|---|",
        f"| floor: bare SQL pass reading every partner's history | {floor['seconds']:.2f} s "
        f"({floor['rows']:,} rows) | 1 | | |",
    ]
    for key, text in (
        ("refresh", "first `recommendations refresh`, into an empty table"),
        ("nightly", "nightly refresh of the next day (reasons and dues change), one process"),
        ("nightly_shards", "nightly refresh of the day after, `--shard 1/2` and `2/2` at once"),
    ):
        refresh = r.get(key, {})
        target = refresh.get("target_seconds")
        target_text = f"≤ {target:g} s" if target and key != "refresh" else ""
        if "seconds" in refresh:
            lines.append(
                f"| {text} ({refresh.get('workers', 1)} worker processes) | "
                f"{refresh['seconds']:.2f} s, {refresh['partners_per_second']:,.0f} partners/s, "
                f"{refresh.get('created', 0):,} created, {refresh.get('kept', 0):,} kept, "
                f"{refresh.get('closed', 0):,} closed | "
                f"{refresh['ratio_to_floor']:.1f}× | {target_text} | "
                f"{_verdict(refresh['seconds'], target) if target_text else ''} |"
            )
        else:
            lines.append(f"| {text} | {refresh.get('status')} | | {target_text} | |")
    if "trivial" in http:
        t = http["trivial"]
        lines.append(
            f"| trivial route (static file), the HTTP floor | p50 {t['p50_ms']:.1f} ms, "
            f"p95 {t['p95_ms']:.1f} ms | 1 (HTTP) | | |"
        )
        for role in ("agent", "manager"):
            for key, text in PAGES:
                m = http[role].get(key)
                if not m:
                    continue
                errors = f", **{m['errors']} errors**" if m["errors"] else ""
                lines.append(
                    f"| {role}: {text} | p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms "
                    f"(n={m['n']}{errors}{_bytes(m)}) | {m['ratio_to_trivial_p95']:.1f}× the "
                    f"trivial route, {m['p95_ms'] / 1000 / floor['seconds']:.4f}× the floor (p95)"
                    f" | p95 ≤ {m['target_p95_ms']} ms | "
                    f"{_verdict(m['p95_ms'], m['target_p95_ms'])} |"
                )
        lines.append(
            f"| peak memory of the gunicorn worker (VmHWM, after every page above) | "
            f"{_mb(http.get('worker_peak_rss_bytes'))} | | | |"
        )
    else:
        lines.append(f"| HTTP timings | {http.get('status')} | | | |")
    shards = r.get("nightly_shards", {})
    if "peak_rss_bytes" in shards:
        lines.append(
            f"| peak memory of a refresh process (`--shard K/2 --workers 1`, ru_maxrss) | "
            f"{_mb(shards['peak_rss_bytes'])} | | | |"
        )
    engines = r.get("engines", {})
    if "python" in engines:
        each = engines.get("durable_each")
        each_text = f", durable asked about every partner {each['seconds']:.2f} s" if each else ""
        lines.append(
            f"| rules engines on the same facts ({engines['partners']:,} partners) | python "
            f"{engines['python']['seconds']:.2f} s, durable (once per pattern of comparisons) "
            f"{engines['durable']['seconds']:.2f} s{each_text}; agree: {engines['agree']} | "
            f"durable/python {engines['durable_to_python']:.1f}× | | |"
        )
    elif engines:
        lines.append(f"| durable vs python engine | {engines.get('status')} | | | |")
    own = r.get("team_rules", {})
    if "ratio_to_catalogue" in own:
        lines.append(
            f"| full refresh with {own['rules']} team rules of its own "
            f"({own['partners']:,} partners, {own['workers']} worker processes) | "
            f"{own['with_team_rules_seconds']:.2f} s against {own['catalogue_seconds']:.2f} s "
            f"for the catalogue alone; {own['created_with_team_rules']:,} against "
            f"{own['created_alone']:,} created | {own['ratio_to_catalogue']:.2f}× the catalogue "
            f"alone | ≤ {own['target_ratio']}× | "
            f"{_verdict(own['ratio_to_catalogue'], own['target_ratio'])} |"
        )
    elif own:
        lines.append(f"| full refresh with team rules | {own.get('status')} | | | |")
    lines += [
        "",
        "(×: p95 as a ratio to the trivial route, and to the bare-scan floor, of the same run;",
        "a refresh as a ratio to the floor. The sharded refresh's time includes the two",
        "processes' start-up.)",
    ]
    lines += plans(r.get("explain", {}))
    lines += profiles(r)
    lines += load_test(r.get("load"))
    return lines


def plans(explain: dict) -> list[str]:
    """Per page and role: the statements one request issues, the indexes they
    use, any table scanned whole, and the plan of the slowest statement."""
    if not explain or "status" in explain:
        return ["", f"Query plans: {explain.get('status', 'not measured')}"] if explain else []
    lines = [
        "",
        "### Query plans",
        "",
        "The SELECTs of one request of each page, each run again under `EXPLAIN ANALYZE`",
        "(`EXPLAIN QUERY PLAN` on SQLite) with its parameters:",
        "",
        "| who | page | statements | database time | indexes used | tables scanned whole |",
        "|---|---|---|---|---|---|",
    ]
    sizes = explain.get("table_rows", {})
    explain = {role: pages for role, pages in explain.items() if role != "table_rows"}

    def scanned(table: str) -> str:
        rows = sizes.get(table, 0)
        text = f"`{table}` ({rows:,} rows)"
        return f"**{text}**" if rows >= LARGE_TABLE else text

    for role, pages in explain.items():
        for label, e in pages.items():
            ms = f"{e['database_ms']:.1f} ms" if e["database_ms"] else "(not timed)"
            lines.append(
                f"| {role} | {label} (`{e['path']}`) | {e['statements']} | {ms} | "
                f"{', '.join(f'`{i}`' for i in e['indexes']) or 'none'} | "
                f"{', '.join(scanned(t) for t in e['seq_scans']) or 'none'} |"
            )
    large = sorted(
        {t for e in explain.get("agent", {}).values() for t in e["seq_scans"]}
        & {t for t, rows in sizes.items() if rows >= LARGE_TABLE}
    )
    lines += [
        "",
        (
            f"An agent's pages scan whole only tables of fewer than {LARGE_TABLE:,} rows "
            "(settings, sessions, the team's small tables): every table that grows with "
            "the team is read through an index."
            if not large
            else f"**An agent's pages scan whole tables that grow with the team: "
            f"{', '.join(large)}.**"
        ),
    ]
    for role, pages in explain.items():
        for label, e in pages.items():
            if not e["slowest"] or e["slowest"][0]["ms"] is None:
                continue  # SQLite's plans are in the table above; they are not timed
            slowest = e["slowest"][0]
            ms = f", {slowest['ms']:.2f} ms" if slowest["ms"] is not None else ""
            lines += [
                "",
                f"{role}, {label}: its slowest statement{ms}",
                "",
                "```",
                slowest["sql"][:240],
                *slowest["plan"][:8],
                "```",
            ]
    return lines


def profiles(r: dict) -> list[str]:
    """Where the time goes, for each page or refresh that missed its target."""
    lines = []
    for role, pages in r.get("explain", {}).items():
        if role == "table_rows" or not isinstance(pages, dict):
            continue
        for label, e in pages.items():
            if e.get("profile"):
                lines += [
                    "",
                    f"{role}, {label}: cProfile over 20 requests in one process, "
                    "by cumulative time",
                    "",
                    "```",
                    *e["profile"][:16],
                    "```",
                ]
    if r.get("refresh_profile"):
        lines += [
            "",
            "nightly refresh: cProfile of 4 batches of 500 partners in one process, "
            "by cumulative time",
            "",
            "```",
            *r["refresh_profile"][:20],
            "```",
        ]
    return ["", "### Where the time goes (targets missed)", *lines] if lines else []


def load_test(load: dict | None) -> list[str]:
    if not load:
        return []
    lines = ["", "### Load test", ""]
    if "logged" not in load:
        return [*lines, str(load.get("status"))]
    lines.append(
        f"{load['agents']} simulated agents against gunicorn (2 workers) on 127.0.0.1 for "
        f"{load['seconds']:.0f} s: {load['logged']:,} interactions logged and "
        f"{load['today_reads']:,} Today pages read ({load['requests_per_second']:.1f} "
        f"requests/s); {load['errors']} errors; interactions added in the database: "
        f"{load['interactions_added']:,} (count check "
        f"{'passed' if load['count_check'] else '**failed**'}); server still answering: "
        f"{load['still_answering']}; recommendations: {load['recommendations']}."
    )
    for key, text in (("log", "logging"), ("today", "Today")):
        if key in load:
            lines.append(
                f"- {text} under load: p50 {load[key]['p50_ms']:.0f} ms, "
                f"p95 {load[key]['p95_ms']:.0f} ms"
            )
    return [*lines, "", f"Verdict: {'PASSED' if load['passed'] else '**FAILED**'}."]
