"""The ``upsell`` command line."""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from datetime import UTC, date, datetime, timedelta

from upsell.config import OPTIONAL_PATHS, PATHS, Settings, local_landing, safe_path
from upsell.errors import UpsellError
from upsell.landing_store import BucketPath


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from upsell.sample_data import generate
    from upsell.sample_data.simulate import Options

    opts = Options(
        accounts=args.accounts,
        months=args.months,
        seed=args.seed,
        end_date=args.end_date,
        deliveries=args.deliveries,
        reporting_currency=settings.reporting_currency,
    )
    out = safe_path(args.out, "--out") if args.out else settings.landing_dir
    if isinstance(out, BucketPath):
        raise UpsellError(
            f"upsell generate writes a local folder, and UPSELL_LANDING_DIR is {out}: give --out"
        )
    truth = safe_path(args.truth_out, "--truth-out")
    report = generate(opts, out, truth, fmt=args.format, injections=tuple(args.inject))
    print(
        f"wrote {len(report['deliveries'])} deliveries ({report['deliveries'][0]} .. "
        f"{report['deliveries'][-1]}) for {args.accounts:,} accounts to {out} "
        f"in {report['seconds']} s; ground truth in {truth}"
    )
    for item in report["injected"]:
        print("injected: " + json.dumps(item))
    return 0


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from upsell.serving import unpublished_deliveries

    landing = local_landing(settings.landing_dir, settings.landing_cache_dir)
    _, nothing = unpublished_deliveries(landing, settings.serving)
    if nothing:
        print(f"{nothing}; nothing to do")
        return 0
    from orchestration.pipeline import run_daily  # loads the definitions: seconds

    return run_daily(settings, verbose=args.verbose)


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from upsell.connectors import extract

    for done in extract(args.sources, os.environ, settings, full=args.full):
        where = f"delivery {done.delivery}" if done.delivery else "no delivery (nothing changed)"
        counts = ", ".join(f"{n:,} {t}" for t, n in done.rows.items()) or "no rows"
        resumed = " (resumed)" if done.resumed else ""
        print(f"{done.source}: {done.mode} extraction{resumed}: {counts}; {where}")
        for why in done.left_out:
            print(f"  left out: {why}")
    return 0


def _train(args: argparse.Namespace, settings: Settings) -> int:
    missing = _features_missing(settings)
    if missing:
        raise UpsellError(f"no features yet ({missing}): run `upsell run` first")
    from orchestration.pipeline import run_job

    return run_job(settings, "retrain", verbose=args.verbose)


def _ui(args: argparse.Namespace, settings: Settings) -> int:
    """The Dagster UI on the instance `upsell run` uses (its settings written when missing)."""
    import os
    from pathlib import Path

    from orchestration.instance import dagster_home

    home = dagster_home(settings)
    workspace = Path(__file__).resolve().parents[1] / "workspace.yaml"
    dagster = str(Path(sys.executable).parent / "dagster")
    print(f"Dagster home {home}; the UI on http://{args.host}:{args.port}", flush=True)
    command = [dagster, "dev", "-w", str(workspace), "-h", args.host, "-p", str(args.port)]
    os.execv(dagster, command)  # the UI's process replaces this one: Ctrl-C stops it
    return 0  # not reached


def _features_missing(settings: Settings) -> str | None:
    """Why there is nothing to train on, or None; read-only, so a refused `upsell train`
    leaves no warehouse behind."""
    from upsell.targets.engine import open_target

    if not settings.warehouse.exists():
        return f"{settings.warehouse} does not exist"
    where = "the warehouse" if settings.target == "duckdb" else f"the {settings.target} target"
    with open_target(
        settings.target,
        settings.warehouse,
        settings.postgres_dsn,
        settings.duckdb_memory_limit,
        read_only=True,
        spark=settings.spark_env(),
    ) as target:
        if not target.table_exists("marts", "fct_account_features"):
            return f"{where} has no marts.fct_account_features"
        table = target.table("marts", "fct_account_features")
        if not target.scalar(f"SELECT count(*) FROM {table}"):
            return "marts.fct_account_features is empty"
    return None


def _yesterday() -> date:
    """The sample's default last delivery: recent, so that its freshness check passes."""
    return datetime.now(UTC).date() - timedelta(days=1)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="upsell",
        description="Account Upsell data platform: which customers to offer more, and what.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    gen = sub.add_parser(
        "generate",
        help="write a realistic sample landing zone (and its ground truth)",
        description="Write a deterministic sample landing zone of CRM, billing, shop, usage and "
        "FX exports, plus the ground truth the pipeline never reads.",
    )
    gen.add_argument("--accounts", type=int, default=5000, help="number of accounts (5000)")
    gen.add_argument("--months", type=int, default=24, help="months of history (24)")
    gen.add_argument("--seed", type=int, default=7, help="random seed (7)")
    gen.add_argument(
        "--end-date",
        type=_date,
        default=_yesterday(),
        help="date of the last delivery (yesterday, UTC)",
    )
    gen.add_argument(
        "--deliveries", type=int, default=0, help="daily deliveries after the first, full one (0)"
    )
    gen.add_argument("--out", help="landing directory (default: $UPSELL_LANDING_DIR)")
    gen.add_argument("--truth-out", default="data/truth", help="ground-truth directory")
    gen.add_argument(
        "--format",
        default="mixed",
        choices=("mixed", "csv", "parquet", "jsonl"),
        help="file format (mixed: usage_daily as Parquet, the rest CSV)",
    )
    from upsell.sample_data.inject import KINDS

    gen.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="KIND",
        choices=sorted(KINDS),
        help=f"break the last delivery on purpose; one of: {', '.join(sorted(KINDS))}",
    )
    gen.set_defaults(handler=_generate, paths=lambda args: () if args.out else ("landing_dir",))
    jobs = argparse.ArgumentParser(add_help=False)
    jobs.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the run's whole log on screen (it is always written to DAGSTER_HOME/logs)",
    )
    run = sub.add_parser(
        "run",
        parents=[jobs],
        help="the daily job: load new deliveries and rebuild everything downstream",
        description="Run the daily job on $UPSELL_LANDING_DIR and print a summary (the first "
        "time, a full run that also trains the first model). With nothing new since the last "
        "publication, it says so and does nothing.",
    )
    run.set_defaults(handler=_run, paths=lambda args: tuple(PATHS))
    from upsell.connectors import SOURCES

    ext = sub.add_parser(
        "extract",
        help="pull source systems' changes into one new landing-zone delivery",
        description="Extract what each SOURCE created or changed since its previous extraction "
        "(the first time: everything) and write it all as one dated delivery in the landing "
        "zone, _SUCCESS last. A failed extraction writes nothing, keeps the cursors, and is "
        "resumed by the next one. docs/connectors.md says what each source needs.",
    )
    ext.add_argument(
        "sources",
        nargs="+",
        choices=sorted(SOURCES),
        metavar="SOURCE",
        help=f"the source systems: {', '.join(sorted(SOURCES))}",
    )
    ext.add_argument(
        "--full", action="store_true", help="extract everything again, not only the changes"
    )
    ext.set_defaults(handler=_extract, paths=lambda args: ("landing_dir", *OPTIONAL_PATHS))
    train = sub.add_parser(
        "train",
        parents=[jobs],
        help="retrain the propensity model, apply the promotion rule, rescore and publish",
        description="Run the retrain job: train a challenger on the current features, promote "
        "it only by the promotion rule, rescore every paying account and publish.",
    )
    train.set_defaults(handler=_train, paths=lambda args: tuple(PATHS))
    ui = sub.add_parser(
        "ui",
        help="the Dagster UI: every asset, check, job, schedule and sensor, and past runs",
        description="Start `dagster dev` on this installation's Dagster home (DAGSTER_HOME), "
        "where `upsell run` and `upsell train` record their runs.",
    )
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    ui.add_argument("--port", type=int, default=3000, help="port (3000)")
    ui.set_defaults(handler=_ui, paths=lambda args: tuple(PATHS))
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False)
    try:
        return args.handler(args, Settings.from_env(paths=args.paths(args)))
    except UpsellError as exc:
        print(f"upsell {args.command}: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        print(f"upsell {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's input: one line, the traceback on request
        if verbose:
            traceback.print_exc()
        where = "" if verbose else "; run it again with --verbose for the traceback"
        print(
            f"upsell {args.command}: error: unexpected {type(exc).__name__}: {exc}{where}",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
