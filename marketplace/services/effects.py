"""Side effects a use case declares, run only after its commit (issue 9, item 1).

A service says what must happen once its work is saved -- ``after_commit("process_lead", 42)``,
``replan("lead_approved", lead_id=42)`` (``run_matching`` with why, a fact of
``domain.messages.TRIGGERS``), ``after_commit("send_outbox")``,
``after_commit("refit", trigger)``, ``after_commit("import_leads", batch_id)``,
``after_commit("refresh_summary")`` (the control tower's figures, services.dashboard),
``after_commit("refresh_open_data")`` (the public daily table, services.open_data) -- and never
queues a job itself. The effects wait on the
SQLAlchemy session (``session.info``); when the outermost transaction commits they are
deduplicated and handed, all at once, to the dispatcher that the jobs layer installs
(``jobs.dispatch.install``): one Redis pipeline with RQ, or in this process without Redis. A
rollback (real or soft) drops them, so nothing is queued for work that was not saved.

An effect is a tuple ``(name, *args)`` of JSON-friendly values (ids, short strings, a trigger fact).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..domain.messages import more_triggers, trigger_fact
from ..extensions import db

log = logging.getLogger(__name__)

Effect = tuple
Dispatcher = Callable[[list[Effect]], object]

KNOWN = ("process_lead", "run_matching", "send_outbox", "refit", "import_leads", "refresh_summary",
         "refresh_open_data")
# One run reads the latest data, so however many times these are asked for in one commit, one
# run is enough; the first trigger names it, with a count of the others (a trigger fact counts them
# in ``params.others``, domain.messages.more_triggers; a string gains "(+2 more)").
COALESCED = ("run_matching", "refit", "refresh_summary", "refresh_open_data")
_INFO_KEY = "marketplace.effects"
_dispatcher: Dispatcher | None = None


def after_commit(name: str, *args, session: Session | None = None) -> None:
    """Declare that ``name(*args)`` must run after the current transaction commits.
    ``name`` is one of KNOWN (ValueError otherwise); ``args`` are ids or short strings."""
    if name not in KNOWN:
        raise ValueError(f"unknown effect {name!r}")
    session = session if session is not None else db.session()
    if not session.in_transaction():
        session.begin()  # the effect belongs to a transaction: its rollback must drop it
    session.info.setdefault(_INFO_KEY, []).append((name, *args))


def replan(code: str, **params) -> None:
    """Declare that a new allocation plan must be computed after the current transaction commits,
    because of ``code`` (one of domain.messages.TRIGGERS, ValueError otherwise) with ``params``
    (plain ids or counts): ``replan("request_posted", demand_id=7)``."""
    after_commit("run_matching", trigger_fact(code, **params))


def pending(session: Session | None = None) -> list[Effect]:
    """The effects declared in the current transaction, not yet dispatched (a copy)."""
    session = session if session is not None else db.session()
    return list(session.info.get(_INFO_KEY, ()))


def dedupe(effects: Iterable[Effect]) -> list[Effect]:
    """Effects in first-declared order, each once: identical tuples collapse, and the COALESCED
    names collapse whatever their argument: the first one's trigger fact counts the others
    (``coalesce``), a string trigger reads ``("refit", "a (+2 more)")``."""
    out: list[Effect] = []
    seen: dict[tuple, int] = {}
    extra: dict[int, int] = {}
    for effect in effects:
        key = (effect[0],) if effect[0] in COALESCED else tuple(effect)
        if key in seen:
            index = seen[key]
            if _is_fact(out[index]):
                out[index] = coalesce(out[index], effect)
            else:
                extra[index] = extra.get(index, 0) + 1
            continue
        seen[key] = len(out)
        out.append(tuple(effect))
    for index, more in extra.items():
        name, *args = out[index]
        if args and isinstance(args[0], str):
            out[index] = (name, f"{args[0]} (+{more} more)"[:120], *args[1:])
    return out


def _is_fact(effect: Effect) -> bool:
    return len(effect) > 1 and isinstance(effect[1], Mapping)


def coalesce(kept: Effect, dropped: Effect) -> Effect:
    """``kept`` run for ``dropped`` too (the same COALESCED name): when ``kept`` carries a trigger
    fact, it counts ``dropped`` (and whatever ``dropped`` stood for) among its others."""
    if not _is_fact(kept):
        return kept
    other = dropped[1] if len(dropped) > 1 else {"code": "data_changed", "params": {}}
    return (kept[0], more_triggers(kept[1], other), *kept[2:])


def set_dispatcher(dispatcher: Dispatcher | None) -> Dispatcher | None:
    """Install the function that runs committed effects (the jobs layer does, once); returns
    the previous one. With none installed, committed effects are dropped."""
    global _dispatcher
    previous, _dispatcher = _dispatcher, dispatcher
    return previous


def _on_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the effects wait for the outermost commit
    effects = session.info.pop(_INFO_KEY, None)
    if effects and _dispatcher is not None:
        try:
            _dispatcher(dedupe(effects))
        except Exception:
            # The work is committed: nothing after the commit may fail the request that saved it
            # (issue 10, item 10). What was not run or queued is found by the sweeper.
            log.exception("%d effect(s) after a commit were not dispatched; the sweeper finds them",
                          len(effects))


def _on_rollback(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_INFO_KEY, None)


def _on_soft_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_INFO_KEY, None)


def install_hooks() -> None:
    """Listen on the application's session (idempotent: create_app may run many times)."""
    for name, fn in (("after_commit", _on_commit), ("after_rollback", _on_rollback),
                     ("after_soft_rollback", _on_soft_rollback)):
        if not event.contains(db.session, name, fn):
            event.listen(db.session, name, fn)
