"""The ``upsell`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from orchestration.config import Settings, safe_path
from orchestration.errors import UpsellError


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _generate(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.sample_data import generate
    from orchestration.sample_data.simulate import Options

    opts = Options(
        accounts=args.accounts,
        months=args.months,
        seed=args.seed,
        end_date=args.end_date,
        deliveries=args.deliveries,
        reporting_currency=settings.reporting_currency,
    )
    out = safe_path(args.out, "--out") if args.out else settings.landing_dir
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


def ensure_sample_data(settings: Settings) -> None:
    """A newcomer's first run: an empty landing zone gets the sample data, with defaults."""
    from orchestration.sample_data import generate
    from orchestration.sample_data.simulate import Options

    landing = settings.landing_dir
    if landing.exists() and any(landing.iterdir()):
        return
    truth = landing.parent / "truth"
    print(f"{landing} is empty: generating the sample landing zone (ground truth in {truth})")
    report = generate(Options(reporting_currency=settings.reporting_currency), landing, truth)
    print(
        f"  {len(report['deliveries'])} delivery of {report['accounts']:,} accounts "
        f"in {report['seconds']} s"
    )


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.pipeline import run_daily

    ensure_sample_data(settings)
    return run_daily(settings)


def _train(args: argparse.Namespace, settings: Settings) -> int:
    from orchestration.pipeline import run_job

    return run_job(settings, "retrain")


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
        "--end-date", type=_date, default=date(2026, 10, 31), help="date of the last delivery"
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
    from orchestration.sample_data.inject import KINDS

    gen.add_argument(
        "--inject",
        action="append",
        default=[],
        metavar="KIND",
        choices=sorted(KINDS),
        help=f"break the last delivery on purpose; one of: {', '.join(sorted(KINDS))}",
    )
    gen.set_defaults(handler=_generate)
    run = sub.add_parser(
        "run",
        help="the daily job: load new deliveries and rebuild everything downstream",
        description="Run the daily job on $UPSELL_LANDING_DIR (sample data is generated there "
        "first when it is empty) and print a summary.",
    )
    run.set_defaults(handler=_run)
    train = sub.add_parser(
        "train",
        help="retrain the propensity model, apply the promotion rule, rescore and publish",
        description="Run the retrain job: train a challenger on the current features, promote "
        "it only by the promotion rule, rescore every paying account and publish.",
    )
    train.set_defaults(handler=_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args, Settings.from_env())
    except UpsellError as exc:
        print(f"upsell {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"upsell {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
