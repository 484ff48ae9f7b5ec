"""Realistic demo leads: the mix a city saw in 2020. Honest manufacturers and distributors at
reference prices, brokers with chain-of-custody jargon and prices many times the norm, and the
same supplier arriving more than once under slightly different names.

Pure and deterministic: ``generate_leads(n, seed)`` returns CSV-shaped rows of text, used by
``flask seed`` and to make benchmark files.
"""
from __future__ import annotations

import random
from decimal import Decimal

import phonenumbers

from .numbers import write_number

# (category, reference unit price in USD, plausible description, certification template)
PRODUCTS = (
    ("n95_respirator", 0.79, "3M 8210 N95 respirator, cup style, 20 per box", "NIOSH TC-84A-{n4}"),
    ("kn95_respirator", 0.95, "KN95 mask, 5-layer, ear loops, 50 per box", "GB 2626-2019; FDA EUA Appendix A"),
    ("surgical_mask", 0.12, "Level 3 surgical mask, ear loop, 50 per box", "FDA 510(k) K{n6}; ASTM F2100 Level 3"),
    ("nitrile_gloves", 0.035, "Nitrile exam gloves, powder-free, size M, 100 per box", "ASTM D6319"),
    ("isolation_gown", 1.20, "Isolation gown, AAMI level 2, universal size", "AAMI PB70 Level 2"),
    ("face_shield", 0.90, "Full face shield, anti-fog", ""),
    ("goggles", 2.50, "Indirect-vent safety goggles", "ANSI Z87.1"),
    ("hand_sanitizer", 3.80, "Hand sanitizer gel 70% alcohol, 500 ml", "FDA NDC registered"),
    ("disinfectant_wipes", 5.50, "EPA List N disinfectant wipes, 80 count", "EPA Reg. No. 1839-{n3}"),
)

COMPANIES = (
    ("Pacific Medical Supply", "Los Angeles", "CA", "90021", "pacificmedsupply.com"),
    ("Pacific Medical Supply", "Portland", "OR", "97210", "pacmedical-or.com"),
    ("Golden State Safety Products", "Fresno", "CA", "93721", "gssafety.com"),
    ("Harbor Industrial Distribution", "Long Beach", "CA", "90802", "harborindustrial.com"),
    ("Sunrise Healthcare Solutions", "Irvine", "CA", "92618", "sunrisehcs.com"),
    ("Western Glove Company", "Ontario", "CA", "91761", "westernglove.com"),
    ("Apex Protective Gear", "Houston", "TX", "77002", "apexprotective.com"),
    ("Cascade Respiratory", "Seattle", "WA", "98104", "cascaderesp.com"),
    ("Lone Star Medical Wholesale", "Dallas", "TX", "75201", "lonestarmedwholesale.com"),
    ("Summit PPE Manufacturing", "Denver", "CO", "80202", "summitppe.com"),
    ("Blue Ridge Hygiene", "Charlotte", "NC", "28202", "blueridgehygiene.com"),
    ("Great Lakes Safety Supply", "Chicago", "IL", "60607", "glsafety.com"),
    ("Mission Bay Biomedical", "San Francisco", "CA", "94158", "missionbaybio.com"),
    ("Desert Sun Distributors", "Phoenix", "AZ", "85004", "desertsundist.com"),
    ("Empire Medical Products", "New York", "NY", "10001", "empiremedprod.com"),
)
FIRST = ("Maria", "James", "Wei", "Priya", "Carlos", "Aisha", "John", "Linda", "Kenji", "Fatima", "David", "Olga")
LAST = ("Garcia", "Smith", "Chen", "Patel", "Lopez", "Okafor", "Kim", "Nguyen", "Brown", "Haddad", "Rossi", "Ivanova")
STREETS = ("Main Street", "Harbor Boulevard", "Industrial Avenue", "Commerce Drive", "Alameda Street", "Airport Road")
BROKER_NOTES = (
    "Direct mandate, allocation confirmed. ICPO and NCNDA required before SGS report.",
    "Proof of funds and LOI needed. MT-199 then MT-760. Stock OTG in Shenzhen.",
    "Buyer must issue ICPO. Millions ready to ship, 100% payment upfront by wire.",
)
WEBMAIL = ("gmail.com", "yahoo.com", "outlook.com", "hotmail.com")


def _phone(rng: random.Random) -> str:
    """A valid US number (phonenumbers.is_valid_number, so that scoring's phone_invalid is not
    raised by the demo itself): the drawn area code, or the next one in service. The same three
    draws as before, so that every other field of a seed's leads stays the same."""
    area, exchange, line = rng.randint(200, 989), rng.randint(200, 999), rng.randint(1000, 9999)
    for step in range(800):
        candidate = 200 + (area - 200 + step) % 800
        if phonenumbers.is_valid_number(phonenumbers.parse(f"{candidate}{exchange}{line}", "US")):
            area = candidate
            break
    return f"({area}) {exchange}-{line}"


def _company_variant(name: str, rng: random.Random) -> str:
    """The same company written the way different people at it write it."""
    variant = rng.choice((
        name, f"{name}, Inc.", f"{name} Incorporated", f"{name} LLC", name.upper(),
        name.replace(" and ", " & "), f"The {name}",
    ))
    return variant


def generate_leads(n: int, seed: int = 2020, *, external_prefix: str = "DEMO") -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    for index in range(n):
        kind = rng.random()
        category, reference, description, cert = rng.choice(PRODUCTS)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if kind < 0.22:  # a broker: jargon, mark-up, payment up front, free webmail
            company = f"{rng.choice(('Global', 'Prime', 'Elite', 'United', 'First'))} {rng.choice(('Trade', 'Sourcing', 'Ventures', 'Capital'))} {rng.choice(('Group', 'Partners', 'Holdings'))}"
            city, state, postal, domain = "Miami", "FL", f"331{rng.randint(10, 99)}", None
            supplier_type = "broker"
            price = reference * rng.choice((3.5, 6.0, 8.0, 12.0))
            quantity = rng.choice((10_000_000, 50_000_000, 100_000_000, 500_000_000))
            email = f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(WEBMAIL)}"
            website = ""
            payment = rng.choice(("100% upfront by wire", "50% deposit, balance before shipping", "Wire in advance"))
            notes = rng.choice(BROKER_NOTES)
            lead_time = "0"
            certification = cert.format(n3="000", n4="0000", n6="000000") if rng.random() < 0.4 else "CE FDA certified"
        else:
            company, city, state, postal, domain = rng.choice(COMPANIES)
            company = _company_variant(company, rng)
            supplier_type = "manufacturer" if kind > 0.75 else "distributor"
            price = reference * rng.uniform(0.9, 1.6)
            quantity = rng.choice((5_000, 20_000, 50_000, 100_000, 250_000, 1_000_000))
            email = f"{first[0].lower()}{last.lower()}@{domain}"
            website = rng.choice((f"https://www.{domain}", f"www.{domain}", domain))
            payment = rng.choice(("Net 30", "Payment on delivery", "Escrow", "Net 15 after inspection"))
            notes = ""
            lead_time = str(rng.choice((0, 3, 7, 14, 21, 30)))
            # Honest suppliers quote real registry numbers (3M 8210's NIOSH approval, a mask's 510(k)).
            # (The random draws stay, so that every other field of a seed's leads stays the same.)
            n3, _, _ = rng.randint(100, 999), rng.randint(1000, 9999), rng.randint(100000, 999999)
            certification = cert.format(n3=n3, n4="0007", n6="202354")
        rows.append({
            "external_id": f"{external_prefix}-{index + 1:05d}",
            "company_name": company,
            "contact_name": f"{first} {last}",
            "email": email,
            "phone": _phone(rng),
            "website": website,
            "street": f"{rng.randint(10, 9999)} {rng.choice(STREETS)}",
            "city": city,
            "state": state,
            "postal_code": postal,
            "country": "US",
            "supplier_type": supplier_type,
            "product_category": category,
            "product_description": description,
            "quantity": str(quantity),
            "unit_price": write_number(Decimal(f"{price:.4f}")),
            "min_order_qty": str(max(1, quantity // 100)),
            "lead_time_days": lead_time,
            "certification": certification,
            "payment_terms": payment,
            "country_of_origin": rng.choice(("US", "China", "Malaysia", "Mexico", "Vietnam")),
            "notes": notes,
        })
    return rows
