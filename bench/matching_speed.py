"""The allocation's speed against earlier versions of itself, side by side in one run (issue 11,
Done-when: "no slower than today"). Each revision's ``marketplace/domain/allocation.py`` is taken
from git and run on the same instances as bench/matching.py (its ``generate`` and ``with_exclusions``),
in turn, ``--repeat`` times. The machine is shared and noisy: wall-clock times there moved by 2-3x
from one minute to the next, so the ratios are of CPU time (``time.process_time``: the solvers and
numpy run on one thread here), with wall-clock times beside them; the figures are medians of each
revision's times and of the per-round ratios to the working tree's.

    python bench/matching_speed.py [--sizes 10000] [--kinds dense,sparse] [--repeat 3]
                                   [--revisions d9ecced,df7d507]

Defaults: d9ecced, the plan before the richer objective (exclusions and the substitute penalty, no
lateness, no fair-share slices), and df7d507, the richer objective solved with a big-M scalar cost
in one min-cost flow. The working tree, and every revision that has the consolidation pass, runs
with ``line_cost_cents=0`` (the flow alone, as the others; the consolidation pass is timed by
bench/matching.py). An older module is given the fields
of its own ``Need`` and ``Offer`` only. Checks that the working tree's weighted units and secondary
cost equal those of every revision that has the same objective (exit status 1 if not).
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import inspect
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import matching  # noqa: E402

from marketplace.domain import allocation  # noqa: E402


def load_revision(revision: str, folder: Path):
    """The allocation module of ``revision``, loaded as a module of marketplace.domain."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:marketplace/domain/allocation.py"],
                            check=True, capture_output=True, text=True).stdout
    path = folder / f"allocation_{revision}.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location(f"marketplace.domain.allocation_{revision}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def converted(items, cls):
    names = {f.name for f in dataclasses.fields(cls)}
    return [cls(**{k: v for k, v in dataclasses.asdict(item).items() if k in names}) for item in items]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--kinds", default="dense,sparse")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--revisions", default="d9ecced,df7d507")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    revisions = args.revisions.split(",")
    zips = matching.standard_zips()
    failures, report = [], []
    with tempfile.TemporaryDirectory() as folder:
        modules = {r: load_revision(r, Path(folder)) for r in revisions}
        for size in (int(s) for s in args.sizes.split(",")):
            for kind in args.kinds.split(","):
                needs, offers = matching.generate(kind, size, args.seed, zips)
                needs = matching.with_exclusions(needs, offers, args.seed)
                runs = {"working tree": (lambda n=needs, o=offers: allocation.allocate(n, o, line_cost_cents=0))}
                for r, module in modules.items():
                    n, o = converted(needs, module.Need), converted(offers, module.Offer)
                    flow_only = {"line_cost_cents": 0} if "line_cost_cents" in inspect.signature(module.allocate).parameters else {}
                    runs[r] = (lambda module=module, n=n, o=o, kw=flow_only: module.allocate(n, o, **kw))
                times = {name: [] for name in runs}
                walls = {name: [] for name in runs}
                results = {}
                for round_ in range(args.repeat):
                    for name, run in runs.items():
                        started, cpu = time.perf_counter(), time.process_time()
                        plan = run()
                        times[name].append(time.process_time() - cpu)
                        walls[name].append(time.perf_counter() - started)
                        results[name] = (plan.weighted_units, plan.secondary_cost + getattr(plan, "share_cost", 0))
                        print(f"{kind} {size:,} round {round_ + 1} {name}: CPU {times[name][-1]:.2f} s, wall "
                              f"{walls[name][-1]:.2f} s (solve {plan.solve_seconds:.2f} s wall)", file=sys.stderr, flush=True)
                name = f"{kind} {size // 1000}k x {size // 1000}k"
                mine = times["working tree"]
                report.append(f"{name}: working tree median CPU {statistics.median(mine):.2f} s "
                              f"({', '.join(f'{t:.1f}' for t in mine)}; wall {statistics.median(walls['working tree']):.1f} s)")
                for r in revisions:
                    ratios = [a / b for a, b in zip(mine, times[r])]
                    same = results[r] == results["working tree"]
                    report.append(f"  {r}: median CPU {statistics.median(times[r]):.2f} s "
                                  f"({', '.join(f'{t:.1f}' for t in times[r])}; wall {statistics.median(walls[r]):.1f} s); "
                                  f"working tree / {r}: median "
                                  f"{statistics.median(ratios):.2f} ({', '.join(f'{x:.2f}' for x in ratios)}); "
                                  f"same optimum: {'yes' if same else 'no (another objective)'}")
                    if not same and hasattr(modules[r], "fair_share_cost"):
                        failures.append(f"{name}: working tree {results['working tree']} != {r} {results[r]}")
    print("\n".join(report))
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
