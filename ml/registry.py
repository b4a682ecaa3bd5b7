"""The model registry: one versioned folder per trained model, and who is champion.

models/
  champion.json            {"version": ..., "decided_at": ...}
  decisions.jsonl          every promotion decision with its figures
  <version>/model.pkl      the fitted pipeline
  <version>/model.json     features, training window, data fingerprint, metrics, library
                           versions, trained_at, and the SHA-256 of model.pkl

A model file is unpickled only after its SHA-256 matches the one written at training, so a
file swapped or edited afterwards is refused.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CHAMPION = "champion.json"
DECISIONS = "decisions.jsonl"


class TamperedModel(Exception):
    """A model file whose checksum does not match the registry's record."""


@dataclass(frozen=True)
class PromotionRule:
    auc_margin: float = 0.01  # a challenger may be this much worse in holdout ROC AUC
    max_calibration_gap: float = 0.1  # mean |predicted - observed| over deciles
    min_auc: float = 0.6  # below this a model is no better than guessing


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def library_versions() -> dict:
    import numpy
    import pandas
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
    }


def register(root: Path, pipeline, card: dict) -> str:
    """Save a trained model as a new version; return the version."""
    trained_at = datetime.now(UTC)
    version = trained_at.strftime("%Y%m%dT%H%M%S%fZ")
    folder = root / version
    folder.mkdir(parents=True)
    model_file = folder / "model.pkl"
    model_file.write_bytes(pickle.dumps(pipeline, protocol=pickle.HIGHEST_PROTOCOL))
    card = card | {
        "version": version,
        "trained_at": trained_at.isoformat(),
        "libraries": library_versions(),
        "model_sha256": _sha256(model_file),
    }
    (folder / "model.json").write_text(json.dumps(card, indent=2, sort_keys=True, default=str))
    return version


def card(root: Path, version: str) -> dict:
    return json.loads((root / version / "model.json").read_text())


def load(root: Path, version: str):
    """Unpickle a registered model, after checking it is the file that was trained."""
    model_file = root / version / "model.pkl"
    expected = card(root, version)["model_sha256"]
    if _sha256(model_file) != expected:
        raise TamperedModel(
            f"{model_file} does not match the checksum recorded at training; refusing to load it"
        )
    return pickle.loads(model_file.read_bytes())


def champion(root: Path) -> str | None:
    path = root / CHAMPION
    return json.loads(path.read_text())["version"] if path.exists() else None


def decide(
    challenger: dict,
    champion_on_same_holdout: dict | None,
    rule: PromotionRule,
    same_data: bool = False,
) -> tuple[bool, str]:
    """Whether the challenger becomes champion (the promotion rule of docs/model.md), and why.

    A challenger trained on newer data may be slightly worse on the same holdout (within the
    margin) and still replace the champion: it has seen more recent behaviour. Retrained on the
    very same data, it replaces the champion only when it is better.
    """
    if challenger["roc_auc"] < rule.min_auc:
        return (
            False,
            f"challenger ROC AUC {challenger['roc_auc']:.3f} is below the floor {rule.min_auc}",
        )
    if challenger["calibration_gap"] > rule.max_calibration_gap:
        return False, (
            f"challenger is badly calibrated: mean gap {challenger['calibration_gap']:.3f} > "
            f"{rule.max_calibration_gap}"
        )
    if champion_on_same_holdout is None:
        return True, "no champion yet"
    worse_by = champion_on_same_holdout["roc_auc"] - challenger["roc_auc"]
    if same_data and worse_by >= 0:
        return False, (
            f"retrained on the same data and not better: ROC AUC {challenger['roc_auc']:.4f} vs "
            f"the champion's {champion_on_same_holdout['roc_auc']:.4f}"
        )
    if worse_by > rule.auc_margin:
        return False, (
            f"challenger ROC AUC {challenger['roc_auc']:.4f} is {worse_by:.4f} below the "
            f"champion's {champion_on_same_holdout['roc_auc']:.4f} on the same holdout "
            f"(margin {rule.auc_margin})"
        )
    return True, (
        f"challenger ROC AUC {challenger['roc_auc']:.4f} vs champion "
        f"{champion_on_same_holdout['roc_auc']:.4f} on the same holdout, within the margin"
    )


def record_decision(root: Path, decision: dict) -> None:
    """Append the decision; on promotion, point champion.json at the new version."""
    root.mkdir(parents=True, exist_ok=True)
    decision = decision | {"decided_at": datetime.now(UTC).isoformat()}
    with (root / DECISIONS).open("a") as f:
        f.write(json.dumps(decision, sort_keys=True, default=str) + "\n")
    if decision["promoted"]:
        (root / CHAMPION).write_text(
            json.dumps({"version": decision["challenger"], "decided_at": decision["decided_at"]})
        )
