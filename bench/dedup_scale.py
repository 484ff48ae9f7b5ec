"""How the duplicate search scales (issues 3 and 8): time to resolve one new lead against 10k, 100k
and 1M existing leads, ours (blocking) beside the alternative (comparing with every lead), whether
the capped candidate search still finds the duplicates, and the throughput of the whole pipeline
with 1 and 2 RQ workers on PostgreSQL and Redis.

    python bench/dedup_scale.py [--sizes 10000,100000,1000000] [--probes 40] [--throughput 2000]

It uses its own PostgreSQL database (``--database``, default bench_scale, dropped and made again) and, for the throughput
part, its own redis-server on a free port. The existing leads are synthetic suppliers (1 to 5 leads
each; 1% share one of four generic names such as "pacific medical supply", so that at 1M each
generic name has ~2,500 leads, 25x the per-key cap; 20 cities; contacts, streets and phones of their
own) loaded with COPY, with their blocking keys from ``domain.dedup.lead_blocking_keys``. The
probes are real leads processed by the real pipeline (``services.processing.process_lead``), three
paths, ``--probes`` each, every probe drawn afresh (no phone, e-mail or name reused across probes
or sizes):

* match: a new lead of an existing supplier (drawn from the suppliers actually loaded): another
  contact, the phone written differently, the company domain; found = it joins the supplier's
  cluster;
* no match: a new supplier (its own name, phone, domain, street); right = it stays alone, with no
  pair sent to review;
* popular name: a new lead of an existing generic-name supplier that shares with the supplier's
  earlier leads its name, contact, street and city but no phone, e-mail, domain or postal code
  (free-mail, no website, the ZIP left blank). Under the old keys (phone, e-mail, domain, name,
  ZIP + name prefix) its only shared key is the popular name, of which a lead is compared with the
  oldest 100: the blind spot of the cap. Found = a pair with one of the supplier's leads is stored
  (review or merge). The old keys' recall is computed on the same probes by querying
  ``lead_block_keys`` for the old keys with the same cap (``old_policy_finds``).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import reset_database  # noqa: E402

GENERIC_NAMES = ("pacific medical supply", "global medical supply", "first aid supply", "united safety")
CITIES = ("los angeles", "san diego", "fresno", "sacramento", "oakland", "san jose", "long beach", "riverside",
          "bakersfield", "anaheim", "santa ana", "stockton", "irvine", "chula vista", "fremont", "modesto",
          "oxnard", "glendale", "ontario", "pasadena")
STREETS = ("harbor blvd", "main st", "commerce dr", "industrial ave", "alameda st", "airport rd", "market st",
           "oak ave", "pine st", "mission rd", "elm st", "maple ave", "sunset blvd", "broadway", "park pl",
           "center ct", "lake dr", "river rd", "hill st", "valley blvd", "canyon rd", "ocean ave", "bay st",
           "grand ave", "palm dr", "cedar st", "vista way", "olive ave", "walnut st", "spring st")
GIVEN = ("maria", "james", "wei", "priya", "carlos", "aisha", "john", "linda", "kenji", "fatima", "david", "olga",
         "michael", "sarah", "robert", "jennifer", "ahmed", "elena", "thomas", "grace", "daniel", "laura", "kevin")
FAMILY = ("garcia", "smith", "chen", "patel", "lopez", "okafor", "kim", "nguyen", "brown", "haddad", "rossi",
          "miller", "johnson", "walker", "reyes", "cohen", "murphy", "silva", "tanaka", "hughes", "foster",
          "bennett", "morales", "price", "sullivan", "warren", "grant", "hayes", "carver", "whitman", "delgado")


def is_generic(i: int) -> bool:
    return i % 100 == 0


def supplier(i: int) -> dict:
    name = GENERIC_NAMES[(i // 100) % len(GENERIC_NAMES)] if is_generic(i) else f"supplier {i} medical"
    return {"name": name, "domain": f"supplier{i}.com", "phone": f"+1213{i % 10_000_000:07d}",
            "postal": f"{90000 + i % 999:05d}", "city": CITIES[i % len(CITIES)],
            "street": f"{i % 9973 + 1} {STREETS[(i // 9973) % len(STREETS)]}"}


def contact(i: int, n: int) -> str:
    return f"{GIVEN[(i * 7 + n) % len(GIVEN)]} {FAMILY[(i * 11 + n * 3) % len(FAMILY)]}"


def load_synthetic(db, start_id: int, count: int, rng: random.Random, leads_of: dict[int, list[int]]) -> None:
    """COPY ``count`` synthetic leads (ids from start_id) with their normals, keys and clusters;
    ``leads_of`` gets each loaded supplier's lead ids (the probes draw suppliers from it)."""
    from marketplace.domain.dedup import lead_blocking_keys
    from marketplace.domain.scoring import load_reference

    now, version = datetime.now(UTC), load_reference().version
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        lead_rows, normal_rows, key_rows = [], [], []
        lead_id, supplier_id = start_id, start_id  # supplier numbers never repeat across loads
        cluster_of_supplier = {}
        while lead_id < start_id + count:
            s = supplier(supplier_id)
            for n in range(rng.randint(1, 5)):
                if lead_id >= start_id + count:
                    break
                cluster = cluster_of_supplier.setdefault(supplier_id, lead_id)
                leads_of.setdefault(supplier_id, []).append(lead_id)
                email = f"contact{n}@{s['domain']}"
                lead_rows.append((lead_id, str(uuid.uuid4()), s["name"].title(), email, s["phone"], f"https://{s['domain']}",
                                  "distributor", "n95_respirator", 10000, "0.79", "csv", "submitted", "done",
                                  now, now, 0, cluster, 100, 100, version))
                record = {"name": s["name"], "phone": s["phone"], "email": email, "domains": s["domain"],
                          "contact": contact(supplier_id, n), "street": s["street"], "postal_code": s["postal"],
                          "city": s["city"]}
                normal_rows.append((lead_id, s["name"], s["phone"], email, s["domain"], s["domain"], False,
                                    s["domain"], contact(supplier_id, n), s["street"], s["city"], s["postal"], "us"))
                key_rows.extend((key, lead_id) for key in lead_blocking_keys(record))
                lead_id += 1
            supplier_id += 1
        with cursor.copy("COPY leads (id, marketplace_ref, company_name, email, phone, website, supplier_type, "
                         "product_category, quantity, unit_price, source, status, processing_state, created_at, "
                         "updated_at, processing_attempts, cluster_id, risk_score, queue_score, reference_version, "
                         "valid_until) "
                         "FROM STDIN") as copy:
            valid_until = date.today() + timedelta(days=14)  # the quote's validity (domain.quotes)
            for row in lead_rows:
                copy.write_row((*row, valid_until))
        with cursor.copy("COPY lead_normals (lead_id, name, phone, email, email_domain, website_domain, webmail, "
                         "domains, contact, street, city, postal_code, country) FROM STDIN") as copy:
            for row in normal_rows:
                copy.write_row(row)
        with cursor.copy("COPY lead_block_keys (key, lead_id) FROM STDIN") as copy:
            for row in key_rows:
                copy.write_row(row)
        cursor.execute("SELECT setval('leads_id_seq', (SELECT max(id) FROM leads))")
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


PATHS = ("match", "no match", "popular name")
OLD_KEY_KINDS = ("phone:", "email:", "domain:", "name:", "zipname:")   # lead_blocking_keys before issue 8


class Probes:
    """Fresh probe leads: every probe has its own number, so no phone, e-mail, domain or name is
    reused across probes or sizes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.serial = rng, 0

    def values(self, path: str, leads_of: dict[int, list[int]]) -> tuple[dict, int | None]:
        """(lead values as parsed by the intake, the existing supplier it belongs to or None)."""
        from marketplace.domain.leads import parse_lead
        from tests.conftest import VALID_LEAD

        self.serial += 1
        n, owner = self.serial, None
        if path == "match":   # another lead of a loaded supplier: other contact, phone written differently
            owner = self.rng.choice(self.suppliers(leads_of, generic=False))
            s = supplier(owner)
            digits = s["phone"][2:]
            raw = {**VALID_LEAD, "company_name": s["name"].title() + ", Inc.", "email": f"orders@{s['domain']}",
                   "phone": f"({digits[:3]}) {digits[3:6]}-{digits[6:]}", "website": s["domain"],
                   "street": s["street"].replace("blvd", "Boulevard"), "city": s["city"].title(),
                   "postal_code": s["postal"], "contact_name": "New Person"}
        elif path == "popular name":   # only the (popular) name among the old keys; same contact and address
            owner = self.rng.choice(self.suppliers(leads_of, generic=True))
            s = supplier(owner)
            raw = {**VALID_LEAD, "company_name": s["name"].title(), "email": f"buyer.desk{n}@gmail.com",
                   "phone": "", "website": "", "street": s["street"].title(), "city": s["city"].title(),
                   "postal_code": "", "contact_name": contact(owner, 0).title()}
        else:   # a new supplier: its own name, contact, phone, domain and address
            r = self.rng
            raw = {**VALID_LEAD, "company_name": f"{r.choice(FAMILY).title()} {r.choice(STREETS).split()[0].title()} "
                                                 f"Trading {n}",
                   "email": f"sales@new{n}-{r.randrange(10**9)}.com", "phone": f"(628) {200 + n // 10000}-{n % 10000:04d}",
                   "website": f"new{n}-{r.randrange(10**9)}.com", "street": f"{r.randint(1, 99999)} {r.choice(STREETS)}",
                   "city": r.choice(CITIES).title(), "postal_code": f"{r.randint(90000, 96199)}",
                   "contact_name": f"{r.choice(GIVEN)} {r.choice(FAMILY)}".title()}
        values, errors = parse_lead(raw)
        assert not errors, errors
        return values, owner

    _pools: dict = {}

    def suppliers(self, leads_of: dict[int, list[int]], generic: bool) -> list[int]:
        key = (len(leads_of), generic)
        if key not in self._pools:
            self._pools[key] = [i for i in leads_of if is_generic(i) == generic]
        return self._pools[key]


def old_policy_finds(db, lead_id: int, record: dict, owner_leads: list[int]) -> bool:
    """Would the candidate search before issue 8 (its keys, the oldest MAX_CANDIDATES_PER_KEY per
    key) have put one of the owner's leads among the candidates?"""
    from sqlalchemy import text

    from marketplace.domain.dedup import MAX_CANDIDATES_PER_KEY, lead_blocking_keys

    keys = sorted(k for k in lead_blocking_keys(record) if k.startswith(OLD_KEY_KINDS))
    for key in keys:
        found = set(db.session.execute(text(
            "SELECT lead_id FROM lead_block_keys WHERE key = :key AND lead_id <> :id ORDER BY lead_id LIMIT :cap"),
            {"key": key, "id": lead_id, "cap": MAX_CANDIDATES_PER_KEY}).scalars())
        if found & set(owner_leads):
            return True
    return False


def time_probes(db, probes: Probes, count: int, leads_of: dict[int, list[int]]) -> dict[str, dict]:
    """Per path: the times (ms) and how many probes came out right (and, for the popular-name path,
    how many the old key policy would have found)."""
    from sqlalchemy import func, or_, select

    from marketplace.domain.dedup import lead_record
    from marketplace.domain.normalise import normalise_lead
    from marketplace.models import DuplicatePair, Lead
    from marketplace.services import processing
    from marketplace.services.leads import EDITABLE_FIELDS

    results = {path: {"ms": [], "right": 0, "old": 0, "count": 0} for path in PATHS}
    for index in range(count * len(PATHS)):
        path = PATHS[index % len(PATHS)]   # interleaved, so that load drift hits all paths alike
        values, owner = probes.values(path, leads_of)
        lead = Lead(**{name: values[name] for name in EDITABLE_FIELDS}, source="csv", status="submitted",
                    processing_state="pending")
        db.session.add(lead)
        db.session.commit()
        started = time.perf_counter()
        processing.process_lead(lead.id)
        elapsed = (time.perf_counter() - started) * 1000
        out = results[path]
        out["ms"].append(elapsed)
        out["count"] += 1
        db.session.refresh(lead)
        paired = set(db.session.execute(
            select(DuplicatePair.lead_id, DuplicatePair.other_id).where(
                or_(DuplicatePair.lead_id == lead.id, DuplicatePair.other_id == lead.id))).all())
        partners = {a if a != lead.id else b for a, b in paired}
        if path == "no match":
            clustered = db.session.scalar(select(func.count()).select_from(Lead).where(
                Lead.cluster_id == lead.cluster_id, Lead.id != lead.id))
            out["right"] += int(not partners and not clustered)
            continue
        owner_leads = leads_of[owner]
        if path == "match":
            out["right"] += int(lead.cluster_id == owner_leads[0])
        else:
            out["right"] += int(bool(partners & set(owner_leads)) or lead.cluster_id == owner_leads[0])
            record = lead_record(normalise_lead(values), values.get("contact_name"))
            out["old"] += int(old_policy_finds(db, lead.id, record, owner_leads))
    return results


def brute_force_ms(db, probes: Probes, count: int, leads_of: dict[int, list[int]]) -> float:
    """The alternative without blocking: compare the new lead with every earlier lead."""
    from sqlalchemy import text

    from marketplace.domain.dedup import LEAD_MATCH_SPEC, lead_record
    from marketplace.domain.normalise import normalise_lead

    timings = []
    for index in range(count):
        values, _ = probes.values(PATHS[index % 2], leads_of)
        record = lead_record(normalise_lead(values), values.get("contact_name"))
        started = time.perf_counter()
        result = db.session.execute(text(
            "SELECT name, phone, email, domains, contact, street, postal_code, city FROM lead_normals"))
        for row in result:
            LEAD_MATCH_SPEC.compare(record, row._mapping)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throughput(url: str, count: int, workers: int, fork: bool = True) -> float:
    """Leads per second through enqueue -> RQ worker(s) -> database, on a private Redis."""
    port, workdir = free_port(), tempfile.mkdtemp(prefix="bench-redis-")
    redis_proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                   "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    redis_url = f"redis://127.0.0.1:{port}/0"
    env = {**os.environ, "MARKETPLACE_ENV": "testing", "DATABASE_URL": url, "REDIS_URL": redis_url,
           "PYTHONPATH": str(ROOT), "MARKETPLACE_INSTANCE": workdir}
    try:
        from sqlalchemy import func, select

        from marketplace.app import create_app
        from marketplace.domain.demo_data import generate_leads
        from marketplace.domain.leads import parse_lead
        from marketplace.extensions import db
        from marketplace.jobs.queue import enqueue_lead_processing
        from marketplace.models import Lead
        from marketplace.models.base import id_in
        from marketplace.services.leads import EDITABLE_FIELDS

        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://"),
                         REDIS_URL=redis_url)
        with app.app_context():
            ids = []
            for row in generate_leads(count, seed=workers * 1000 + count, external_prefix=f"TP{workers}-{int(time.time())}"):
                values, _ = parse_lead(row)
                lead = Lead(**{name: values[name] for name in EDITABLE_FIELDS}, source="csv", status="submitted",
                            processing_state="pending")
                db.session.add(lead)
                db.session.flush()
                ids.append(lead.id)
            db.session.commit()
            enqueue_lead_processing(ids)
            started = time.perf_counter()
            mode = "--fork" if fork else "--no-fork"
            procs = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst", mode], cwd=ROOT,
                                      env=env, stdout=open(f"{workdir}/w{n}.log", "wb"), stderr=subprocess.STDOUT)
                     for n in range(workers)]
            for proc in procs:
                proc.wait()
            elapsed = time.perf_counter() - started
            db.session.remove()
            done = db.session.scalar(select(func.count()).select_from(Lead).where(
                id_in(Lead.id, ids), Lead.processing_state == "done"))
            assert done == count, f"only {done} of {count} processed"
        return count / elapsed
    finally:
        redis_proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--probes", type=int, default=40, help="probes per path (three paths)")
    parser.add_argument("--brute-probes", type=int, default=3)
    parser.add_argument("--throughput", type=int, default=2000, help="leads per throughput run (0: skip)")
    parser.add_argument("--database", default="bench_scale", help="PostgreSQL database to drop and make again")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    os.environ.setdefault("MARKETPLACE_INSTANCE", tempfile.mkdtemp(prefix="bench-scale-"))
    from flask_migrate import upgrade

    from marketplace.app import create_app
    from marketplace.extensions import db

    url = reset_database(args.database)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url.replace("postgresql://", "postgresql+psycopg://"))
    rng = random.Random(42)
    probes = Probes(random.Random(7))
    leads_of: dict[int, list[int]] = {}
    rows = []
    with app.app_context():
        upgrade()
        loaded = 0
        for size in sizes:
            started = time.perf_counter()
            load_synthetic(db, loaded + 1, size - loaded, rng, leads_of)
            load_seconds = time.perf_counter() - started
            loaded = size
            results = time_probes(db, probes, args.probes, leads_of)
            brute = brute_force_ms(db, probes, args.brute_probes, leads_of) if args.brute_probes else float("nan")
            rows.append((size, results, brute, load_seconds))
            loaded += args.probes * len(PATHS)
            print(f"  measured {size:,} (loaded in {load_seconds:.0f} s)", file=sys.stderr, flush=True)

    print("\nResolve one new lead against N existing leads (PostgreSQL; ms per lead, whole pipeline:"
          " normalise, block, compare, cluster, score, commit), per path")
    print(f"{'existing':>10} {'path':>13} {'probes':>7} {'median':>8} {'p95':>7} {'right':>7}")
    for size, results, _, _ in rows:
        for path in PATHS:
            r = results[path]
            print(f"{size:>10,} {path:>13} {r['count']:>7} {statistics.median(r['ms']):>8.1f} {p95(r['ms']):>7.1f} "
                  f"{r['right']:>3}/{r['count']:<3}")
    print("right: match = joined its supplier's cluster; no match = alone, no review pair;"
          " popular name = paired with its supplier (review or merge)")
    print(f"\n{'existing':>10} {'all probes median':>18} {'compare-all':>12} {'ratio':>8}")
    medians = []
    for size, results, brute, _ in rows:
        median = statistics.median([ms for r in results.values() for ms in r["ms"]])
        medians.append(median)
        print(f"{size:>10,} {median:>18.1f} {brute:>12.0f} {brute / median:>7.0f}x")
    print(f"flatness: ours at {rows[-1][0]:,} / ours at {rows[0][0]:,} = {medians[-1] / medians[0]:.2f}x "
          f"(compare-all: {rows[-1][2] / rows[0][2]:.0f}x)")
    print("\nPopular-name duplicates (their only old key is a generic name with ~N/400 leads):"
          " found by the old keys (oldest 100 per key) vs now")
    for size, results, _, _ in rows:
        r = results["popular name"]
        print(f"{size:>10,}  old keys {r['old']:>3}/{r['count']:<3} ({r['old'] / r['count']:.0%})   "
              f"now {r['right']:>3}/{r['count']:<3} ({r['right'] / r['count']:.0%})")

    if args.throughput:
        print(f"\nPipeline throughput, {args.throughput} leads enqueued, RQ workers in burst mode (PostgreSQL + Redis)")
        print(f"{'workers':>8} {'mode':>22} {'leads/s':>9} {'vs 1 --fork':>13}")
        base = None
        for fork in (True, False):
            for count in (1, 2):
                rate = throughput(url, args.throughput, count, fork)
                base = base or rate
                mode = "--fork" if fork else "--no-fork (default)"
                print(f"{count:>8} {mode:>22} {rate:>9.0f} {rate / base:>12.2f}x", flush=True)


if __name__ == "__main__":
    main()
