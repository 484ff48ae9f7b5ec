"""The matching job end to end on PostgreSQL (issue 4): how long `run_matching` takes with 10k open
requests and 10k approved offers in the database (load them, solve, store the plan), and releasing
that plan as proposals, beside the solver alone on the same instance (bench/matching.py's
generator). The ratio says what the database part costs on top of the exact allocation.

    python bench/matching_service.py [--size 10000] [--kind dense|sparse] [--seed 7]

Uses its own PostgreSQL database (bench_matching, dropped and made again) on 127.0.0.1:5432.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.database import reset_database  # noqa: E402


def load(db, needs, offers) -> None:
    """The generated offers as approved leads and the needs as open requests, in bulk."""
    from marketplace.models import DemandRequest, Lead, Organisation

    now, today = datetime.now(UTC), date.today()
    org = Organisation(name="County Health Services", kind="hospital", verified_at=now)
    db.session.add(org)
    db.session.flush()
    db.session.execute(Lead.__table__.insert(), [
        {"id": o.id, "company_name": f"Supplier {o.id}", "email": f"sales@supplier{o.id}.example",
         "supplier_type": "distributor", "product_category": o.category, "quantity": o.quantity,
         "unit_price": o.unit_price, "lead_time_days": o.lead_time_days, "postal_code": o.postal_code,
         "min_order_qty": o.min_order_qty, "risk_score": o.risk_score, "queue_score": o.risk_score,
         "source": "csv", "status": "approved", "processing_state": "done", "processing_attempts": 0,
         "created_at": now, "updated_at": now, "decided_at": now} for o in offers])
    db.session.execute(DemandRequest.__table__.insert(), [
        {"id": n.id, "organisation_id": org.id, "category": n.category, "substitutes": sorted(n.substitutes),
         "quantity": n.quantity, "max_unit_price": n.max_unit_price,
         "needed_by": today + timedelta(days=n.days_until_needed), "postal_code": n.postal_code,
         "days_of_supply": n.days_of_supply, "facility_type": "hospital", "status": "open", "source": "csv",
         "created_at": now, "updated_at": now} for n in needs])
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--kind", choices=("dense", "sparse"), default="dense")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import matching as instances
    from flask_migrate import upgrade

    from marketplace.app import create_app
    from marketplace.domain import allocation, geo
    from marketplace.domain.messages import trigger_fact
    from marketplace.extensions import db
    from marketplace.models import Match, User
    from marketplace.services import planning

    needs, offers = instances.generate(args.kind, args.size, args.seed, instances.standard_zips())
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=reset_database("bench_matching").replace(
        "postgresql://", "postgresql+psycopg://"), REDIS_URL=None)
    with app.app_context():
        upgrade()
        load(db, needs, offers)
        admin = User(email="admin@city.example", password_hash="x", role="admin")
        db.session.add(admin)
        db.session.commit()
        admin_id = admin.id
        geo.warm_up()

        solver, job = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            alone = allocation.allocate(needs, offers)
            solver.append(time.perf_counter() - started)
            started = time.perf_counter()
            plan = planning.run_matching(trigger_fact("command"))
            job.append(time.perf_counter() - started)
            db.session.remove()
        plan = planning.latest_plan()
        assert (plan.units, plan.weighted_units) == (alone.units, alone.weighted_units), "the job's plan differs"
        started = time.perf_counter()
        made = planning.release_plan(plan, db.session.get(User, admin_id)).total
        db.session.commit()
        release = time.perf_counter() - started
        assert made == db.session.query(Match).count() == len(alone.lines)

    name = f"{args.kind} {args.size // 1000}k x {args.size // 1000}k"
    solver_s, job_s = statistics.median(solver), statistics.median(job)
    print(f"{name}: {len(alone.lines):,} plan lines, {alone.units:,} of {alone.demand_units:,} units; "
          f"median of {args.repeat}")
    print(f"{'step':<48} {'seconds':>8}")
    print(f"{'allocate() alone (pairs, network, solve)':<48} {solver_s:8.2f}")
    print(f"{'run_matching(): load from PostgreSQL, solve, store':<48} {job_s:8.2f}")
    print(f"{'release_plan(): proposals, audit rows':<48} {release:8.2f}")
    print(f"the whole job costs {job_s / solver_s:.2f}x the solver alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
