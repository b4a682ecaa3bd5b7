"""Out-of-time split: earlier snapshots train, the latest labelled snapshots are the holdout."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ml.features import LABEL

HOLDOUT_SNAPSHOTS = 3  # the most recent labelled snapshots held out for evaluation


class NotEnoughHistory(Exception):
    """Too little labelled history to train and evaluate a model."""


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    holdout: pd.DataFrame
    train_snapshots: tuple
    holdout_snapshots: tuple


def out_of_time_split(
    frame: pd.DataFrame,
    holdout_snapshots: int = HOLDOUT_SNAPSHOTS,
    min_train_snapshots: int = 3,
    min_rows: int = 200,
    min_positives: int = 20,
) -> Split:
    """Split labelled rows by snapshot date; never a random split across one account's rows."""
    labelled = frame[frame[LABEL].notna()]
    snapshots = sorted(labelled["snapshot_date"].unique())
    if len(snapshots) < holdout_snapshots + min_train_snapshots:
        raise NotEnoughHistory(
            f"{len(snapshots)} labelled month-end snapshots; training needs at least "
            f"{holdout_snapshots + min_train_snapshots} (90-day labels need history)"
        )
    cut = snapshots[-holdout_snapshots]
    train = labelled[labelled["snapshot_date"] < cut]
    holdout = labelled[labelled["snapshot_date"] >= cut]
    for name, part in (("training", train), ("holdout", holdout)):
        positives = int(part[LABEL].astype(bool).sum())
        if len(part) < min_rows or positives < min_positives or positives == len(part):
            raise NotEnoughHistory(
                f"the {name} set has {len(part)} rows and {positives} expansions; at least "
                f"{min_rows} rows and {min_positives} expansions (and some without) are needed"
            )
    return Split(
        train=train,
        holdout=holdout,
        train_snapshots=tuple(s for s in snapshots if s < cut),
        holdout_snapshots=tuple(s for s in snapshots if s >= cut),
    )
