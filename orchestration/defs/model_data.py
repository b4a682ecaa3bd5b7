"""What the model's assets read from and write to the engine dbt builds in: the feature rows
(the latest snapshot, or the labelled ones for training), the add-ons each account owns, and
the scores."""

import pandas as pd

from ml.features import prepare
from ml.scoring import score_table, typed_select
from ml.training import accounts_per_10k
from orchestration.resources import Installation


def features(installation: Installation, where=None) -> pd.DataFrame:
    """The feature rows ``where(target, table)`` selects (default: the latest snapshot)."""
    with installation.open_target(read_only=True) as target:
        table = target.table("marts", "fct_account_features")
        # A fixed row order: training samples its validation rows by position, so the same
        # features must always arrive in the same order for the same model to come out.
        frame = target.read_frame(
            f"SELECT * FROM {table} WHERE {(where or _latest)(target, table)} "
            "ORDER BY snapshot_date, account_id"
        )
    return prepare(frame)


def _latest(target, table: str) -> str:
    return f"snapshot_date = (SELECT max(snapshot_date) FROM {table})"


def training_features(installation: Installation, max_rows: int) -> pd.DataFrame:
    """The labelled rows; above ``max_rows``, those of a fixed sample of accounts (whole
    histories, so the split stays out of time), to bound the memory training needs."""
    labelled = "expanded_90d IS NOT NULL"
    with installation.open_target(read_only=True) as target:
        table = target.table("marts", "fct_account_features")
        per_10k = accounts_per_10k(
            target.scalar(f"SELECT count(*) FROM {table} WHERE {labelled}"), max_rows
        )

    def where(target, table: str) -> str:
        sample = "" if per_10k >= 10_000 else f" AND {target.sample('account_id', per_10k)}"
        return labelled + sample

    return features(installation, where)


def owned_addons(installation: Installation) -> pd.DataFrame:
    with installation.open_target(read_only=True) as target:
        return target.read_frame(
            "SELECT account_id, product_id FROM intermediate.int_account_addons_owned "
            "ORDER BY account_id, product_id"
        )


def write_scores(installation: Installation, scores: pd.DataFrame) -> None:
    with installation.open_target() as target:
        target.replace_rows(
            "ml", "propensity_scores", score_table(scores), typed_select("{source}")
        )
