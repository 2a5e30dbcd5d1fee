"""Soak: a steady load through gunicorn for a long while, sampled every minute.

`python -m bench.soak [--minutes 30] [--agents 10] [--pause 0.5] [--db FILE]`
(`make soak`; `SOAK_MINUTES=3 make soak` for a short one)

Simulated agents (as bench.load's) each log an interaction on one of their
partners, read Today, then pause, again and again, against a small generated
book served by gunicorn on 127.0.0.1. After a warm-up (not sampled: the
workers' first requests fill their caches and import what they import late),
every minute is sampled: each gunicorn worker's resident memory (VmRSS), the
p95 of the requests that ended in that minute, and the errors.

It passes when, comparing the first and the last minutes (5 of each, fewer on
a short run: a third of the run each):
- every worker's memory is flat: its largest RSS of the last minutes is at most
  its largest of the first ones x 1.15 + 10 MB. A leak grows without end, so a
  long run makes it show; the margin is for what is not a leak: the allocator
  keeping freed pages, caches still filling after the warm-up, a bigger batch
  of rows read as the book grows by what is logged;
- the p95 of the last minutes' requests is at most 1.5 x that of the first ones
  (the book grows by every interaction logged: a little slower is expected);
- there was no error, every minute served requests, and no worker was
  replaced (a worker that died or was killed for its timeout).

Prints the table as it goes, writes it with the verdict to a results file
(bench-data/soak-*.txt unless --results), and exits 1 on failure.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path

from bench.generate import PASSWORD, Size, agent_email, generate, sqlite_url
from bench.server import ROOT, Client, log_form, serve

MB = 1024 * 1024
GROWTH, SLACK = 1.15, 10 * MB  # memory: flat within x 1.15 + 10 MB
P95_GROWTH = 1.5


def workers_of(master: int) -> list[int]:
    """The pids of the gunicorn master's children (its workers)."""
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        if int(fields[1]) == master:
            children.append(int(entry))
    return sorted(children)


def rss(pid: int) -> int | None:
    """The process's resident memory in bytes (None if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def p95(seconds: list[float]) -> float | None:
    if len(seconds) < 2:
        return seconds[0] if seconds else None
    return statistics.quantiles(seconds, n=100, method="inclusive")[94]


class Traffic:
    """The simulated agents, and what each of their requests gave: (ended at, seconds, ok)."""

    def __init__(self, base: str, agents: int, owned: dict, today: date, pause: float):
        self.base, self.owned, self.pause = base, owned, pause
        self.at = datetime.combine(today, datetime.min.time()).replace(hour=8)
        self.lock = threading.Lock()
        self.done: list[tuple[float, float, bool]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()
        self.clients = {}
        for number in range(1, agents + 1):
            self.clients[number] = Client(base)
            self.clients[number].log_in(agent_email(number), PASSWORD)
        self.threads = [
            threading.Thread(target=self.agent, args=(number,), daemon=True)
            for number in self.clients
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=70)

    def record(self, seconds: float, ok: bool, what: str) -> None:
        with self.lock:
            self.done.append((time.monotonic(), seconds, ok))
            if not ok:
                self.errors.append(what)

    def agent(self, number: int) -> None:
        rng, client = random.Random(number), self.clients[number]
        while not self.stop.is_set():
            partner = rng.choice(self.owned[number])
            form = log_form(
                rng.choice(["call", "coffee", "email", "text"]), self.at.strftime("%Y-%m-%dT%H:%M")
            )
            for method, path in (
                ("log", f"/logbook/partners/{partner}/interactions"),
                ("today", "/today"),
            ):
                started = time.perf_counter()
                try:
                    if method == "log":
                        status, _, seconds = client.post(path, form, htmx=True, target="logbook")
                    else:
                        status, _, seconds = client.get(path)
                    self.record(seconds, status == 200, f"{method}: HTTP {status}")
                except OSError as error:
                    self.record(time.perf_counter() - started, False, f"{method}: {error}")
            # A steady pace, not a flood: each agent about every `pause` seconds.
            self.stop.wait(self.pause * rng.uniform(0.5, 1.5))

    def ended_between(self, start: float, end: float) -> list[tuple[float, float, bool]]:
        with self.lock:
            return [row for row in self.done if start <= row[0] < end]


def owned_partners(db_path: Path, agents: int) -> dict[int, list[int]]:
    connection = sqlite3.connect(db_path)
    owned = {
        number: [
            row[0]
            for row in connection.execute(
                "SELECT partner.id FROM partner JOIN user ON user.id = partner.owner_id "
                "WHERE user.email = ? AND partner.archived_at IS NULL",
                (agent_email(number),),
            )
        ]
        for number in range(1, agents + 1)
    }
    connection.close()
    if any(not ids for ids in owned.values()):
        raise SystemExit(f"the database needs at least {agents} agents with partners")
    return owned


def soak(
    db_path: Path,
    today: date,
    minutes: int,
    agents: int,
    pause: float,
    warmup: float,
    workers: int,
    out=print,
) -> dict:
    owned = owned_partners(db_path, agents)
    samples: list[dict] = []
    with serve(sqlite_url(db_path), workers, today.isoformat()) as (base, process):
        master = process.pid
        traffic = Traffic(base, agents, owned, today, pause)
        traffic.start()
        time.sleep(warmup)
        pids = workers_of(master)
        out(f"gunicorn {master}, workers {pids}; {agents} agents, a pause of {pause} s each")
        out(header(pids))
        started = time.monotonic()
        try:
            for minute in range(1, minutes + 1):
                end = started + 60 * minute
                time.sleep(max(0.0, end - time.monotonic()))
                rows = traffic.ended_between(end - 60, end)
                now_pids = workers_of(master)
                sample = {
                    "minute": minute,
                    "requests": len(rows),
                    "seconds": [seconds for _, seconds, ok in rows if ok],
                    "errors": sum(1 for *_, ok in rows if not ok),
                    "rss": {pid: rss(pid) for pid in pids},
                    "replaced": now_pids != pids,
                    "load": os.getloadavg()[0],
                }
                samples.append(sample)
                out(line(sample, pids))
        finally:
            traffic.finish()
        errors_in_warmup = len(traffic.errors) - sum(sample["errors"] for sample in samples)
    verdict = judge(samples, pids, errors_in_warmup)
    verdict["first_errors"] = traffic.errors[:5]
    return {"samples": samples, "pids": pids, "verdict": verdict}


def header(pids: list[int]) -> str:
    rss_columns = " ".join(f"{'RSS ' + str(pid):>12}" for pid in pids)
    return f"{'minute':>6} {'requests':>8} {'p95 ms':>8} {'errors':>6} {rss_columns} {'load':>5}"


def line(sample: dict, pids: list[int]) -> str:
    value = p95(sample["seconds"])
    shown = f"{value * 1000:8.1f}" if value is not None else f"{'-':>8}"
    rss_columns = " ".join(
        f"{sample['rss'][pid] / MB:9.1f} MB" if sample["rss"][pid] else f"{'gone':>12}"
        for pid in pids
    )
    return (
        f"{sample['minute']:>6} {sample['requests']:>8} {shown} {sample['errors']:>6} "
        f"{rss_columns} {sample['load']:5.2f}"
    )


def judge(samples: list[dict], pids: list[int], errors_in_warmup: int) -> dict:
    """The pass rules of the module's docstring, each with what was seen."""
    window = min(5, max(1, len(samples) // 3))
    first, last = samples[:window], samples[-window:]
    checks = {}
    for pid in pids:
        before = max((s["rss"][pid] or 0) for s in first)
        after = max((s["rss"][pid] or 0) for s in last)
        limit = before * GROWTH + SLACK
        checks[f"memory of worker {pid}"] = (
            after <= limit and all(s["rss"][pid] for s in samples),
            f"last {window} min max {after / MB:.1f} MB <= first {window} min max "
            f"{before / MB:.1f} MB x {GROWTH} + {SLACK // MB} MB = {limit / MB:.1f} MB",
        )
    p95_first = p95([x for s in first for x in s["seconds"]]) or 0.0
    p95_last = p95([x for s in last for x in s["seconds"]]) or 0.0
    checks["p95"] = (
        0 < p95_last <= P95_GROWTH * p95_first,
        f"last {window} min {p95_last * 1000:.1f} ms <= {P95_GROWTH} x first {window} min "
        f"{p95_first * 1000:.1f} ms = {P95_GROWTH * p95_first * 1000:.1f} ms",
    )
    errors = sum(s["errors"] for s in samples) + errors_in_warmup
    checks["errors"] = (errors == 0, f"{errors} (of every request, the warm-up's too)")
    checks["every minute served"] = (all(s["requests"] for s in samples), "")
    checks["no worker replaced"] = (not any(s["replaced"] for s in samples), "")
    return {"window": window, "checks": checks, "passed": all(ok for ok, _ in checks.values())}


def report(result: dict, command: str) -> str:
    pids = result["pids"]
    lines = [header(pids), *(line(sample, pids) for sample in result["samples"]), ""]
    for name, (ok, seen) in result["verdict"]["checks"].items():
        lines.append(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + seen if seen else ''}")
    if result["verdict"]["first_errors"]:
        lines.append(f"first errors: {result['verdict']['first_errors']}")
    lines.append("SOAK " + ("PASSED" if result["verdict"]["passed"] else "FAILED"))
    return "\n".join([f"$ {command}", f"ended {datetime.now():%Y-%m-%d %H:%M}", *lines]) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--minutes", type=int, default=int(os.environ.get("SOAK_MINUTES", 30)))
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument(
        "--pause", type=float, default=0.5, help="seconds between an agent's rounds"
    )
    parser.add_argument("--warmup", type=float, default=30, help="seconds of load not sampled")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", type=Path, help="an existing bench database (else a small one)")
    parser.add_argument("--results", type=Path, help="where the table goes")
    args = parser.parse_args(argv)
    if args.minutes < 1:
        parser.error("--minutes must be at least 1")
    today = date.today()
    results = args.results or ROOT / "bench-data" / f"soak-{datetime.now():%Y%m%d-%H%M}.txt"
    with tempfile.TemporaryDirectory(prefix="partnerplan-soak-") as tmp:
        db_path = args.db
        if db_path is None:
            db_path = Path(tmp) / "soak.db"
            size = Size(agents=max(args.agents, 20), partners=2_000, interactions=50_000,
                        referrals=6_000)  # fmt: skip
            print(f"generating a small brokerage in {db_path} ...", flush=True)
            generate(sqlite_url(db_path), size, today, log=lambda *_: None)
        print(f"soaking for {args.minutes} min after {args.warmup:.0f} s of warm-up", flush=True)
        result = soak(
            db_path, today, args.minutes, args.agents, args.pause, args.warmup, args.workers,
            out=lambda text: print(text, flush=True),
        )  # fmt: skip
    command = "python -m bench.soak " + " ".join(argv if argv is not None else sys.argv[1:])
    text = report(result, command.strip())
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text)
    print(text.split("\n\n", 1)[-1] if "\n\n" in text else text, end="")
    print(f"written to {results}")
    return 0 if result["verdict"]["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
