"""Static reference data of the sample company: plans, products, firmographics, names."""

from __future__ import annotations

import numpy as np

from upsell.contract import enum

CURRENCIES = ("EUR", "USD", "GBP")
# Price multiplier per billing currency, and each currency's starting value in EUR.
PRICE_FACTOR = np.array([1.0, 1.1, 0.85])
EUR_PER_UNIT_START = np.array([1.0, 0.92, 1.17])

SEGMENTS = enum("crm_accounts", "segment")
SEGMENT_SHARE = (0.6, 0.3, 0.1)
EMPLOYEES_MEDIAN = np.array([18.0, 240.0, 2800.0])
ANNUAL_SHARE = np.array([0.15, 0.35, 0.6])
# Probability of each starting tier (1..4) per segment.
TIER_BY_SEGMENT = np.array(
    [[0.55, 0.35, 0.10, 0.00], [0.15, 0.45, 0.35, 0.05], [0.00, 0.15, 0.45, 0.40]]
)

COUNTRIES = ("DE", "FR", "NL", "ES", "IT", "IE", "GB", "US", "CA", "AU")
COUNTRY_SHARE = (0.16, 0.09, 0.06, 0.05, 0.04, 0.03, 0.15, 0.32, 0.05, 0.05)
COUNTRY_CURRENCY = np.array([0, 0, 0, 0, 0, 0, 2, 1, 1, 1])  # index into CURRENCIES
# Written after the name, separator included: US names carry a comma, as real exports do.
LEGAL_FORM = (
    " GmbH",
    " SAS",
    " B.V.",
    " S.L.",
    " S.r.l.",
    " Ltd",
    " Ltd",
    ", Inc.",
    ", Inc.",
    " Pty Ltd",
)

INDUSTRIES = (
    "software",
    "retail",
    "manufacturing",
    "financial_services",
    "healthcare",
    "education",
    "media",
    "logistics",
)

TIER_NAMES = ("Starter", "Pro", "Business", "Enterprise")
# Per seat per month in EUR; an annual plan costs ten months per year.
TIER_PRICE_EUR = np.array([12.0, 29.0, 49.0, 89.0])
# How much feature use a seat of each tier includes before limits bite.
TIER_CAPACITY = np.array([1.0, 2.2, 4.5, 9.0])


def plan_index(tier: np.ndarray, annual: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Plan row for a (tier 1..4, annual flag, currency index) combination."""
    return (np.asarray(tier) - 1) * 6 + np.asarray(annual).astype(int) * 3 + np.asarray(currency)


def plans() -> list[dict]:
    rows = []
    for t, tier_name in enumerate(TIER_NAMES):
        for annual in (0, 1):
            for c, cur in enumerate(CURRENCIES):
                months = 12 if annual else 1
                price = round(float(TIER_PRICE_EUR[t] * PRICE_FACTOR[c]) * (10 if annual else 1))
                rows.append(
                    {
                        "plan_id": f"{tier_name.lower()}-{'annual' if annual else 'monthly'}"
                        f"-{cur.lower()}",
                        "plan_name": f"{tier_name} {'annual' if annual else 'monthly'} ({cur})",
                        "tier": t + 1,
                        "billing_interval_months": months,
                        "currency": cur,
                        "unit_price": float(price),
                    }
                )
    return rows


def plan_mrr_per_seat() -> np.ndarray:
    """Monthly recurring revenue of one seat, by plan row, in the plan's currency."""
    return np.array([p["unit_price"] / p["billing_interval_months"] for p in plans()])


# product_id, name, category, is_addon, list price in EUR, the product bought next (or -1)
PRODUCTS = (
    ("P-ANALYTICS", "Advanced Analytics", "analytics", True, 39.0, 1),
    ("P-API", "API Boost", "platform", True, 25.0, 0),
    ("P-SSO", "Single Sign-On", "security", True, 29.0, 3),
    ("P-AUDIT", "Audit Log", "security", True, 19.0, 2),
    ("P-STORAGE", "Extra Storage 100 GB", "platform", True, 9.0, 5),
    ("P-RETENTION", "Extended Data Retention", "platform", True, 15.0, 4),
    ("P-SUPPORT", "Premium Support", "services", True, 59.0, 7),
    ("P-SANDBOX", "Sandbox Environment", "platform", True, 35.0, 6),
    ("P-ONBOARD", "Onboarding Workshop", "services", False, 450.0, 9),
    ("P-TRAINING", "Training Seat", "services", False, 120.0, 8),
    ("P-CERT", "Certification Exam", "services", False, 90.0, -1),
)
ADDON_IDS = np.array([i for i, p in enumerate(PRODUCTS) if p[3]])
SERVICE_IDS = np.array([i for i, p in enumerate(PRODUCTS) if not p[3]])
PRODUCT_PRICE_EUR = np.array([p[4] for p in PRODUCTS])
PRODUCT_NEXT = np.array([p[5] for p in PRODUCTS])

NAME_STEMS = (
    "Acme",
    "Blue",
    "North",
    "Bright",
    "Kinetic",
    "Silver",
    "Atlas",
    "Nova",
    "Cedar",
    "Vertex",
    "Harbor",
    "Quantum",
    "Summit",
    "Lumen",
    "Orbit",
    "Pioneer",
    "Crest",
    "Falcon",
    "Granite",
    "Maple",
    "Nimbus",
    "Polar",
    "Radiant",
    "Sterling",
    "Tandem",
    "Union",
    "Vivid",
    "Willow",
    "Zephyr",
    "Amber",
    "Beacon",
    "Cobalt",
)
NAME_SUFFIXES = (
    "Analytics",
    "Logistics",
    "Health",
    "Retail",
    "Systems",
    "Labs",
    "Foods",
    "Media",
    "Robotics",
    "Energy",
    "Finance",
    "Studios",
    "Works",
    "Networks",
    "Partners",
    "Supply",
)
FIRST_NAMES = (
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Elena",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Liam",
    "Maria",
    "Noah",
    "Olivia",
    "Paul",
    "Quentin",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "William",
    "Xenia",
    "Yusuf",
    "Zoe",
)
LAST_NAMES = (
    "Schmidt",
    "Martin",
    "de Vries",
    "Garcia",
    "Rossi",
    "Murphy",
    "Smith",
    "Johnson",
    "Tremblay",
    "Wilson",
    "Müller",
    "Dubois",
    "Jansen",
    "López",
    "Bianchi",
    "Kelly",
    "Brown",
    "Nguyen",
    "O'Brien",
    "Taylor",
    "Fischer",
    "Moreau",
    "Bakker",
    "Fernández",
)
JOB_TITLES = (
    "CTO",
    "Head of Operations",
    "IT Manager",
    "Finance Director",
    "Product Owner",
    "Team Lead",
    "Analyst",
    "Procurement Manager",
)
