"""Certification checks against the registries: what they cost per lead and per process.

    python bench/certifications.py [--leads 5000] [--seed 7]

Prints the time to parse and index the shipped registries (once per version per process), and
the time of ``scoring.certification_signals`` per lead over generated leads whose claims mix
real numbers (as printed: ``TC 84A-0007``, ``84A-9221``, ``K 202354``), unknown ones, watch-list
brands, removed KN95 makers and masks' 510(k)s quoted for gloves; with the share of leads that
got each registry signal. Timings only: correctness is in tests/domain/test_certifications.py.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from marketplace.domain import registries  # noqa: E402
from marketplace.domain.scoring import certification_signals, load_reference  # noqa: E402

CLAIMS = (
    # (category, company, supplier type, description, certification)
    ("n95_respirator", "Coastal Respiratory", "distributor", "3M 8210 N95", "TC 84A-0007"),
    ("n95_respirator", "BYD Precision Manufacture Co., Ltd.", "manufacturer", "N95 DE2322", "84A-9221"),
    ("n95_respirator", "CVS Pharmacy, Inc.", "manufacturer", "N95 399575", "NIOSH TC-84A-5411"),
    ("n95_respirator", "Quick PPE Trading", "broker", "N95 in stock", "TC-84A-0000"),
    ("n95_respirator", "Sound Protective", "distributor", "SOUND N95", "TC-84A-4335"),
    ("n95_respirator", "Metro Safety", "distributor", "3M 1860 N95, 3000 pcs", "TC-84A-0007"),
    ("kn95_respirator", "Harbor Imports", "distributor", "KN95 by Bei (Dong Shan) Protective Supplies B707",
     "GB2626-2019"),
    ("kn95_respirator", "BYD Precision Manufacture Co. Ltd.", "manufacturer", "KN95 DG3101", "GB 2626-2019"),
    ("surgical_mask", "Valley Medical", "distributor", "Surgical mask CW01", "FDA 510(k) K 202354, ASTM F2100 level 2"),
    ("nitrile_gloves", "Glove World", "distributor", "Nitrile exam gloves", "K202354"),
    ("nitrile_gloves", "Glove World", "distributor", "Nitrile exam gloves", "ASTM D6319, 510(k) K123456"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    texts, manifest = registries._shipped_texts()
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        tables = registries.parse_tables(texts, manifest)
        loads.append(time.perf_counter() - started)
    print(f"registries {tables.version}: {tables.manifest['niosh']['rows']:,} NIOSH rows "
          f"({len(tables.niosh)} numbers), {tables.manifest['eua']['rows']} EUA rows, {len(tables.k510)} 510(k)s, "
          f"{len(tables.watchlist)} watch-list entries; parsed and indexed in {statistics.median(loads) * 1000:.0f} ms "
          "(median of 5; once per version per process)")

    reference = load_reference()
    rng = random.Random(args.seed)
    leads = [dict(zip(("product_category", "company_name", "supplier_type", "product_description", "certification"),
                      rng.choice(CLAIMS))) for _ in range(args.leads)]
    found: Counter = Counter()
    times = []
    for lead in leads:
        started = time.perf_counter()
        signals = certification_signals(lead["product_category"], lead["certification"], reference.data, lead,
                                        reference.registries)
        times.append(time.perf_counter() - started)
        found.update({s.code for s in signals})
    times.sort()
    print(f"{args.leads:,} leads: certification_signals median {statistics.median(times) * 1000:.3f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1000:.3f} ms per lead")
    for code, count in sorted(found.items()):
        print(f"  {code:22} {count / args.leads:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
