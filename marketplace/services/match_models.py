"""The lead-match weights in use: the newest stored fit (``MatchModel``), refitted as leads arrive.

* ``current_spec()``: the spec ``processing`` scores new pairs with; the hand-set
  ``LEAD_MATCH_SPEC`` until a fit exists. Parsed once per version and process.
* ``refit(trigger)``: fit the weights to the leads (``domain.linkage_model.fit_spec``) and store a
  new version. Runs as a job (``jobs.queue.enqueue_refit``) when ``refit_due()``: after
  ``REFIT_EVERY_LEADS`` new leads, or a day after the last fit if any lead arrived since; also
  ``flask --app wsgi dedup refit``.
* A refit does not re-score the pairs already stored: each pair keeps the version that scored it
  (shown to the vetter), and a lead gets the newest weights when it is processed again (an edit,
  "Process again"). Re-scoring every pair at once would move automatic merges under vetters'
  feet, and costs a full reprocessing. Vetters' same/different decisions override any score.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import func, select

from ..domain.dedup import LEAD_MATCH_SPEC, MatchSpec
from ..domain.linkage_model import fit_lead_spec, frequencies_to_json, spec_from_json, spec_to_json, token_frequencies
from ..extensions import db
from ..models import LeadNormal, MatchModel
from ..models.base import utcnow
from . import settings

log = logging.getLogger(__name__)

# A refit is due after config DEDUP_REFIT_EVERY new leads (default 1000) ...
REFIT_EVERY_LEADS = 1000
# ... or this long after the last one, if any lead arrived since.
REFIT_MAX_AGE = timedelta(days=1)
# The pairs are drawn from at most this many of the newest leads (the token frequencies from all).
MAX_FIT_LEADS = 50_000

_cache: dict[int, MatchSpec] = {}


def newest_fitted() -> MatchModel | None:
    return db.session.execute(select(MatchModel).where(MatchModel.fitted).order_by(MatchModel.id.desc())
                              .limit(1)).scalar_one_or_none()


def current_spec() -> MatchSpec:
    """The spec of the newest fitted model, or the hand-set one. One indexed query per call."""
    version = db.session.scalar(select(func.max(MatchModel.id)).where(MatchModel.fitted))
    if version is None:
        return LEAD_MATCH_SPEC
    if version not in _cache:
        model = db.session.get(MatchModel, version)
        _cache.clear()
        _cache[version] = spec_from_json(LEAD_MATCH_SPEC, model.parameters, model.term_frequencies, version)
    return _cache[version]


def _newest_lead_id() -> int:
    return db.session.scalar(select(func.max(LeadNormal.lead_id))) or 0


def refit_due() -> bool:
    """Enough new leads since the newest model (fitted or not), or a day old with new leads."""
    newest = db.session.execute(select(MatchModel).order_by(MatchModel.id.desc()).limit(1)).scalar_one_or_none()
    seen = newest.max_lead_id if newest else 0
    new = _newest_lead_id() - seen
    every = settings.current().dedup_refit_every or REFIT_EVERY_LEADS
    if new >= every:
        return True
    return newest is not None and new > 0 and utcnow() - newest.fitted_at > REFIT_MAX_AGE


# The fields of a normalised lead that the duplicate search compares (processing and the fit).
RECORD_FIELDS = ("name", "phone", "email", "domains", "contact", "street", "postal_code", "city")


def record_of(row: LeadNormal) -> dict:
    """The compared fields of a stored normal form: {field: value}."""
    return {name: getattr(row, name) for name in RECORD_FIELDS}


def refit(trigger: str, *, min_pairs: int | None = None) -> MatchModel:
    """Fit the lead-match weights to the stored leads and store a new version (which
    ``current_spec`` then returns if it was fitted); flushes, the caller (the job, the CLI)
    commits. ``min_pairs``: see ``fit_spec``."""
    started = time.perf_counter()
    rows = list(db.session.execute(select(LeadNormal).order_by(LeadNormal.lead_id.desc())
                                   .limit(MAX_FIT_LEADS)).scalars())
    rows.reverse()  # arrival order, as the duplicate search meets them
    records = [record_of(row) for row in rows]
    frequencies = {}
    for comparison in LEAD_MATCH_SPEC.comparisons:
        if comparison.tf_adjusted:
            column = getattr(LeadNormal, comparison.field)
            frequencies[comparison.field] = token_frequencies(
                db.session.execute(select(column).execution_options(yield_per=10_000)).scalars())
    kwargs = {} if min_pairs is None else {"min_pairs": min_pairs}
    fit = fit_lead_spec(records, frequencies, **kwargs)
    model = MatchModel(trigger=trigger[:120], fitted=fit.fitted, n_leads=fit.n_records,
                       max_lead_id=rows[-1].lead_id if rows else 0, n_pairs=fit.n_pairs,
                       match_share=fit.match_share, iterations=fit.iterations,
                       seconds=round(time.perf_counter() - started, 3), note=fit.note[:300],
                       parameters=spec_to_json(fit.spec),
                       term_frequencies=frequencies_to_json(fit.spec.term_frequencies) if fit.fitted else None)
    db.session.add(model)
    db.session.flush()
    log.info("lead-match model %s: %s (%s)", model.id, fit.note, trigger)
    return model
