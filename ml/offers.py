"""Next best offer: rules on plan pressure, plus add-on association rules from order history."""

from __future__ import annotations

from itertools import permutations

import pandas as pd


def association_rules(baskets: pd.DataFrame, min_support: float = 0.01) -> pd.DataFrame:
    """Pairwise rules A -> B over accounts' baskets (account_id, product_id): support of the
    pair, confidence P(B | A) and lift confidence / P(B)."""
    items = baskets[["account_id", "product_id"]].drop_duplicates()
    accounts = items["account_id"].nunique()
    if accounts == 0:
        return pd.DataFrame(columns=["antecedent", "consequent", "support", "confidence", "lift"])
    owners = items.groupby("product_id")["account_id"].apply(set).to_dict()
    rows = []
    for a, b in permutations(sorted(owners), 2):
        both = len(owners[a] & owners[b])
        support = both / accounts
        if both == 0 or support < min_support:
            continue
        confidence = both / len(owners[a])
        lift = confidence / (len(owners[b]) / accounts)
        rows.append((a, b, support, confidence, lift))
    rules = pd.DataFrame(
        rows, columns=["antecedent", "consequent", "support", "confidence", "lift"]
    )
    order = ["lift", "confidence", "antecedent", "consequent"]
    rules = rules.sort_values(order, ascending=[False, False, True, True])
    return rules.reset_index(drop=True)


def next_best_offer(
    account: dict, owned: set[str], rules: pd.DataFrame, max_tier: int = 4, addon=None
) -> tuple[str, str]:
    """(offer, reason) for one account: upgrade when it presses against its plan's limits,
    a seat pack when its seats are nearly full, else the add-on accounts like it buy next."""
    hits = account.get("limit_hits_per_active_user") or 0
    utilisation = account.get("seat_utilisation") or 0
    tier = account.get("tier") or 1
    if hits >= 1.0 and tier < max_tier:
        return (
            f"plan_upgrade to tier {int(tier) + 1}",
            f"{hits:.1f} plan-limit hits per active user in 30 days on tier {int(tier)}",
        )
    if utilisation >= 0.85:
        return (
            "seat_pack",
            f"seat utilisation {utilisation:.0%} of {int(account.get('seats') or 0)} seats",
        )
    return (addon or addon_offer)(frozenset(owned), rules)


def addon_offer(owned: frozenset[str], rules: pd.DataFrame) -> tuple[str, str]:
    """The add-on that owners of what this account owns buy most, else the most popular one."""
    candidates = rules[rules["antecedent"].isin(owned) & ~rules["consequent"].isin(owned)]
    if len(candidates):
        best = candidates.iloc[0]
        return (
            f"addon {best['consequent']}",
            f"owners of {best['antecedent']} buy it {best['lift']:.1f}x as often "
            f"(confidence {best['confidence']:.0%})",
        )
    popular = rules.groupby("consequent")["support"].max().sort_values(ascending=False)
    popular = [p for p in popular.index if p not in owned]
    if popular:
        return (f"addon {popular[0]}", "the add-on most often bought with others")
    return ("seat_pack", "no stronger signal: grow with the team")


OFFER_INPUTS = ["account_id", "limit_hits_per_active_user", "seat_utilisation", "tier", "seats"]


def next_best_offers(
    accounts: pd.DataFrame, owned: dict[str, set[str]], rules: pd.DataFrame
) -> list[tuple[str, str]]:
    """``next_best_offer`` for every account; the add-on choice depends only on the set of
    add-ons owned, of which there are few, so it is worked out once per set."""
    cache: dict[frozenset[str], tuple[str, str]] = {}

    def addon(mine: frozenset[str], rules: pd.DataFrame) -> tuple[str, str]:
        if mine not in cache:
            cache[mine] = addon_offer(mine, rules)
        return cache[mine]

    return [
        next_best_offer(row, owned.get(row["account_id"], set()), rules, addon=addon)
        for row in accounts[OFFER_INPUTS].to_dict(orient="records")
    ]
