"""docs/PERFORMANCE.md from one benchmark run's results."""

from __future__ import annotations

from pathlib import Path


def _fmt(value, digits: int = 1) -> str:
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _bytes(measure: dict) -> str:
    """', 2,950 bytes': the median size of the answer, when measured."""
    return f", {measure['median_bytes']:,.0f} bytes" if "median_bytes" in measure else ""


def _verdict(value: float | None, target: float | None) -> str:
    if value is None or target is None:
        return ""
    return "meets target" if value <= target else "**misses target**"


def write_report(path: Path, command: str, r: dict) -> None:
    size, machine = r["size"], r["machine"]
    lines = [
        "# Performance",
        "",
        "Measured by `make bench` (`python -m bench`, the `bench/` package): a synthetic",
        "brokerage generated into SQLite, then timed through the product's own functions",
        "and through a real gunicorn on 127.0.0.1. Every number is also given as a ratio",
        "to a floor measured in the same run on the same machine, so that runs on",
        "different machines can be compared.",
        "",
        "## How to reproduce",
        "",
        "```",
        f"{command.strip()}",
        "```",
        "",
        "(`make bench` runs `python -m bench $(BENCH_ARGS)`; `--reuse` re-measures the",
        "database already generated in `bench-data/`; `make load` runs only the load test.)",
        "",
        "## This run",
        "",
        f"- When: {machine['when']}; {machine['cpus']} CPUs; Python {machine['python']}; "
        f"SQLite {machine['sqlite']}; {machine['platform']}",
        f"- Load average at the end: {', '.join(f'{x:.1f}' for x in machine['load_average'])} "
        "(other work on the machine inflates every number below)",
        f"- Size: {size['agents']} agents, {size['partners']:,} partners, "
        f"{size['interactions']:,} interactions, {size['referrals']:,} referrals "
        f"(seed {size['seed']})",
        "- Rows: " + ", ".join(f"{k} {v:,}" for k, v in r["rows"].items()),
    ]
    if "generate" in r:
        g = r["generate"]
        lines.append(
            f"- Generation: {g['total']:.1f} s (partners {g['partners']:.1f} s, interactions "
            f"{g['interactions']:.1f} s, referrals {g['referrals']:.1f} s)"
        )
    floor = r["floor"]
    lines += [
        "",
        "## Results",
        "",
        "| measure | result | ratio to floor | target | |",
        "|---|---|---|---|---|",
        f"| floor: bare SQL pass reading every partner's history | {floor['seconds']:.2f} s "
        f"({floor['rows']:,} rows) | 1 | | |",
    ]
    for key, text in (
        ("refresh", "first `recommendations refresh`, into an empty table"),
        ("nightly", "nightly refresh of the next day (reasons and dues change)"),
    ):
        refresh = r.get(key, {})
        if "seconds" in refresh:
            lines.append(
                f"| {text} ({refresh.get('workers', 1)} worker processes) | "
                f"{refresh['seconds']:.2f} s, {refresh['partners_per_second']:,.0f} partners/s, "
                f"{refresh.get('created', 0):,} created, {refresh.get('kept', 0):,} kept, "
                f"{refresh.get('closed', 0):,} closed | "
                f"{refresh['ratio_to_floor']:.1f}× | ≤ 6 s | "
                f"{_verdict(refresh['seconds'], 6.0)} |"
            )
        else:
            lines.append(f"| {text} | {refresh.get('status')} | | ≤ 6 s | |")
    http = r.get("http", {})
    if "trivial" in http:
        t = http["trivial"]
        lines.append(
            f"| trivial route (static file), the HTTP floor | p50 {t['p50_ms']:.1f} ms, "
            f"p95 {t['p95_ms']:.1f} ms | 1 | | |"
        )
        for key, text in (
            ("log_interaction", "log one interaction (HTTP, re-evaluation, fragment)"),
            ("search", "partner search (active search fragment)"),
            ("today", "Today"),
        ):
            m = http[key]
            errors = f", {m['errors']} errors" if m["errors"] else ""
            lines.append(
                f"| {text} | p50 {m['p50_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms "
                f"(n={m['n']}{errors}{_bytes(m)}) | {m['ratio_to_trivial_p95']:.1f}× (p95) | "
                f"p95 ≤ {m['target_p95_ms']} ms | {_verdict(m['p95_ms'], m['target_p95_ms'])} |"
            )
    else:
        lines.append(f"| HTTP timings | {http.get('status')} | | | |")
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
    else:
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
    load = r.get("load")
    if load:
        lines += ["", "## Load test", ""]
        if "logged" in load:
            lines += [
                f"{load['agents']} simulated agents against gunicorn (2 workers) on 127.0.0.1 for "
                f"{load['seconds']:.0f} s: {load['logged']:,} interactions logged and "
                f"{load['today_reads']:,} Today pages read ({load['requests_per_second']:.1f} "
                f"requests/s); {load['errors']} errors; interactions added in the database: "
                f"{load['interactions_added']:,} (count check "
                f"{'passed' if load['count_check'] else '**failed**'}); server still answering: "
                f"{load['still_answering']}; recommendations: {load['recommendations']}.",
            ]
            for key, text in (("log", "logging"), ("today", "Today")):
                if key in load:
                    lines.append(
                        f"- {text} under load: p50 {load[key]['p50_ms']:.0f} ms, "
                        f"p95 {load[key]['p95_ms']:.0f} ms"
                    )
            lines += ["", f"Verdict: {'PASSED' if load['passed'] else '**FAILED**'}."]
        else:
            lines.append(str(load.get("status")))
    lines += [
        "",
        "## What the numbers rest on",
        "",
        "- **Refresh.** Each partner's interactions are summarised by the database in one",
        "  aggregate over the covering index `ix_interaction_history` (the last day of each",
        "  kind of contact, and only the rows of an open run of unanswered attempts or",
        "  unreturned calls); `rules.facts.summarise` is the reference, and",
        "  `tests/test_facts_sql.py` holds the two equal. durable_rules is asked once per",
        "  pattern of threshold comparisons (records on the same side of every threshold get",
        "  the same answer), and the batches are shared between worker processes",
        "  (`recommendations refresh --workers N`, default: the CPUs). Only what changed is",
        "  written, set-based; the planner's statistics on the recommendation tables are",
        "  refreshed at the end.",
        "- **Team rules.** A team's own rules are compiled with the catalogue into one",
        "  ruleset; the facts compute only the referral windows they name; their compiled",
        "  rules hash once (the engines key their caches on them for every partner). The",
        "  benchmark's 20 rules (`bench.measure.bench_team_rules`) each hold for one kind of",
        "  partner (a profession and a tier, and a fact of the history), as a team writes them.",
        "- **Logging.** The interaction is committed first; the partner is re-evaluated",
        "  (a handful of statements built once); the response carries only what changed:",
        "  the form resets itself in the browser and gets back its time field and a status",
        "  line, the new entry goes on top of the history alone (the whole recent history",
        "  only when it lands lower down), and the panels that follow interactions. What",
        "  awaits the agent is counted from two covering indexes (partner by owner with",
        "  `archived_at`; recommendation by partner with status, kind and snooze day).",
        "- **Today.** The database ranks each section (`row_number` per section); only the",
        "  rows shown (10 per section) are loaded whole.",
        "- **SQLite statistics.** The planner needs exact statistics (`ANALYZE` after bulk",
        "  loads and refreshes): with sampled ones it misjudged how much `team_id` selects",
        "  and searched partners through the wrong index.",
        "",
        "## Wiring",
        "",
        "The refresh, engine and consistency measures call the product's functions named in",
        "`bench/features.py` (recommendations refresh, facts, engines); a measure whose",
        'function is missing reports "not available" instead of failing.',
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
