"""The benchmark's own arithmetic: the sizes `--scale` makes, and the report's
sections, each run replacing its own and keeping the others and the history."""

from types import SimpleNamespace

from bench.__main__ import run_label, size_of
from bench.generate import Size
from bench.report import HEADER, replace_section


def args(scale=1, **sizes):
    given = dict(agents=None, partners=None, interactions=None, referrals=None, seed=7)
    return SimpleNamespace(scale=scale, **{**given, **sizes})


def test_scale_multiplies_the_defaults_and_explicit_sizes_win():
    assert size_of(args(10)) == Size(500, 200_000, 10_000_000, 600_000, 7)
    assert size_of(args()) == Size()
    small = size_of(args(10, partners=2000, interactions=100_000))
    assert small == Size(500, 2000, 100_000, 600_000, 7)
    assert run_label("postgres", 10, size_of(args(10))) == ("postgres-10x", "PostgreSQL, 10×")
    # A run with a size of its own never replaces the section of a full one.
    assert run_label("postgres", 10, small)[0] == "postgres-custom"
    assert run_label("sqlite", 1, Size(seed=3)) == ("sqlite-1x", "SQLite, 1×")


def test_each_run_replaces_its_own_section_and_keeps_the_rest():
    history = "## History\n\nAn older run.\n"
    text = replace_section("# Performance\n\n" + history, "postgres-10x", "## PG 10x\n\nfirst")
    assert text.startswith(HEADER) and text.endswith(history)
    text = replace_section(text, "sqlite-1x", "## SQLite 1x")
    text = replace_section(text, "postgres-1x", "## PG 1x")
    text = replace_section(text, "postgres-10x", "## PG 10x\n\nsecond")
    assert text.count("<!-- bench:begin postgres-10x -->") == 1
    assert "first" not in text and "second" in text
    order = [text.index(f"## {name}") for name in ("SQLite 1x", "PG 1x", "PG 10x", "History")]
    assert order == sorted(order)
    assert text.count(HEADER) == 1 and text.endswith(history)
