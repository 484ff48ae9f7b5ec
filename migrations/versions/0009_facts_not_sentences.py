"""facts, not sentences: reasons, notifications, e-mail and signals stored as code + parameters
(issue 9, item 4; issue 10, item 2: the supplier read "$0.06 under your maximum")

- ``matches.reasons`` and ``match_plan_lines.reasons``: each sentence becomes its fact
  ({"code", "params"}) when it is one the marketplace wrote (the patterns below, recovering the
  numbers: "$0.79 a unit, $0.06 under your maximum" is price 0.79 and maximum 0.85), otherwise
  {"code": "legacy", "params": {"text": ...}} (staff read the text, others do not see it).
- ``notifications.text`` becomes ``notifications.message``, the same way (match ids come from the
  link, the lead of a match from the matches table); an unknown text is a legacy fact.
- ``outbox_emails`` gains ``message``, ``role`` (the recipient's, from users) and ``link``;
  subject and body become optional (worded when sent). Rows already written keep their subject
  and body; a pending row whose text is not recognised keeps no message, so its body (already
  addressed to its recipient) is sent as written.
- ``leads.risk_signals``: each {"code", "weight", "sentence", "evidence"} keeps its code, weight
  and evidence, and the sentence moves to ``params.legacy_text`` (staff read it until the lead is
  scored again); the scores' reference version is cleared so that the sweeper scores every lead
  again, with parameters.

The downgrade words every fact for staff (notifications for their recipient) back into the old
columns: lossy (staff wording everywhere), but it works. Reasons are worded by ``reason_sentence``,
frozen here: the sentences the marketplace stored before this migration (the ones ``reason_fact``
reads), whatever the live wording of domain.messages becomes (staff now read "under the buyer's
maximum", not "under your maximum").

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 04:00:00

"""
import re
from decimal import Decimal
from urllib.parse import urlsplit

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

BATCH = 2000

# Frozen here (not imported) so that this migration reads the sentences it was written for.
_CATEGORIES = {
    "N95 respirator": "n95_respirator", "KN95 respirator": "kn95_respirator", "Surgical mask": "surgical_mask",
    "Face shield": "face_shield", "Nitrile gloves": "nitrile_gloves", "Isolation gown": "isolation_gown",
    "Goggles": "goggles", "Hand sanitizer": "hand_sanitizer", "Disinfectant wipes": "disinfectant_wipes",
    "Other": "other",
}
_STATUSES = {"proposed": "proposed", "accepted": "accepted", "declined": "declined", "ordered": "ordered",
             "delivered": "delivered", "closed": "closed"}
_CLOSE_REASONS = {
    "No supply: the supplier cannot deliver": "no_supply",
    "Could not reach the supplier": "supplier_unreachable",
    "Could not reach the buyer": "buyer_unreachable",
    "The buyer prefers another offer": "buyer_prefers_another",
    "The buyer withdrew the request": "request_withdrawn",
    "The city no longer approves this offer": "supplier_not_approved",
}
_NUMBER = r"[\d,]+"
_MONEY = r"\$([\d,]+(?:\.\d+)?)"


def _int(text):
    return int(text.replace(",", ""))


def _dec(text):
    return Decimal(text.replace(",", ""))


def _plain_decimal(value):
    return format(value.normalize(), "f")


def _fact(code, **params):
    return {"code": code, "params": params}


def _legacy(text):
    return _fact("legacy", text=text)


def _days(match_text):
    """'now' / 'in 5 days' -> 0 / 5; '3 days before your deadline' / 'on your deadline' -> 3 / 0."""
    numbers = re.findall(_NUMBER, match_text)
    return _int(numbers[0]) if numbers else 0


def reason_fact(text):
    """A reason sentence (as fit_reasons, the urgency and the manual proposal wrote it) -> its fact."""
    if not isinstance(text, str):
        return text
    m = re.fullmatch(rf"({_NUMBER}) days? of supply left \(urgency weight (\d+)\)", text)
    if m:
        return _fact("urgency", days_of_supply=_int(m[1]), weight=int(m[2]))
    m = re.fullmatch(rf"{_MONEY} a unit, (?:{_MONEY} under your maximum|at your maximum)", text)
    if m:
        price = _dec(m[1])
        maximum = price + _dec(m[2]) if m[2] else price
        return _fact("price", unit_price=_plain_decimal(price), max_unit_price=_plain_decimal(maximum))
    m = re.fullmatch(r"lead time not stated; assumed (\d+) days", text)
    if m:
        return _fact("lead_time_unstated", assumed_days=int(m[1]))
    m = re.fullmatch(rf"ready (now|in {_NUMBER} days?), (on your deadline|{_NUMBER} days? before your deadline)", text)
    if m:
        lead = _days(m[1])
        return _fact("lead_time", lead_time_days=lead, days_until_needed=lead + _days(m[2]))
    if text == "distance unknown":
        return _fact("distance_unknown")
    if text == "less than 1 km away":
        return _fact("distance", distance_km=0.0)
    m = re.fullmatch(rf"({_NUMBER}) km away", text)
    if m:
        return _fact("distance", distance_km=float(_int(m[1])))
    m = re.fullmatch(r"substitute: (.+) for (.+)", text)
    if m and m[1] in _CATEGORIES and m[2] in _CATEGORIES:
        return _fact("substitute", offer_category=_CATEGORIES[m[1]], need_category=_CATEGORIES[m[2]])
    if text == "vetting score: not scored yet":
        return _fact("vetting_unscored")
    m = re.fullmatch(r"vetting score (\d+) of 100 \([a-z ]+\)", text)
    if m:
        return _fact("vetting_score", score=int(m[1]))
    m = re.fullmatch(r"proposed by hand by (\S+)", text)
    if m:
        return _fact("proposed_by_hand", staff_email=m[1])
    return _legacy(text)


def _category(name):
    return _CATEGORIES.get(name)


# ---- the downgrade's reasons: facts worded as the sentences stored before facts -----------------
# Frozen here (not domain.messages, whose wording is for today's readers): the English the
# marketplace wrote before this migration, the inverse of ``reason_fact``. Two codes came after it
# and are worded as staff read them when they came: a lead time after the deadline ("3 days after
# your deadline") and "late".
_LABELS = {code: name for name, code in _CATEGORIES.items()}


def _old_money(value):
    """$0.79, $0.035, $12.00, $1,250.50: at least 2 and at most 4 decimals (the money of then)."""
    text = f"{Decimal(str(value)):,.4f}"
    while text.endswith("0") and len(text.rsplit(".", 1)[1]) > 2:
        text = text[:-1]
    return "$" + text


def _old_days(count):
    return "1 day" if count == 1 else f"{count:,} days"


def _old_deadline(slack):
    if slack > 0:
        return f"{_old_days(slack)} before your deadline"
    if slack < 0:
        return f"{_old_days(-slack)} after your deadline"
    return "on your deadline"


def _old_band(score):
    return "few concerns" if score >= 75 else "some concerns" if score >= 40 else "serious concerns"


def reason_sentence(stored):
    """A reason fact (or a sentence stored before facts) -> the sentence staff read before facts:
    "$0.79 a unit, $0.06 under your maximum". An unknown code reads raw, as staff read it."""
    if not isinstance(stored, dict) or "code" not in stored:
        return str(stored)
    code, p = stored["code"], dict(stored.get("params") or {})
    if code == "legacy":
        return str(p["text"])
    if code == "urgency":
        days = p["days_of_supply"]
        return f"{days} {'day' if days == 1 else 'days'} of supply left (urgency weight {p['weight']})"
    if code == "price":
        price, maximum = Decimal(str(p["unit_price"])), Decimal(str(p["max_unit_price"]))
        headroom = maximum - price
        return f"{_old_money(price)} a unit, " + (f"{_old_money(headroom)} under your maximum" if headroom
                                                   else "at your maximum")
    if code == "lead_time":
        lead = int(p["lead_time_days"])
        ready = "ready now" if lead == 0 else f"ready in {_old_days(lead)}"
        return f"{ready}, {_old_deadline(int(p['days_until_needed']) - lead)}"
    if code == "late":
        return (f"late: arrives {_old_days(int(p['late_days']))} after the needed-by date "
                "(urgent; nothing sooner fits)")
    if code == "lead_time_unstated":
        return f"lead time not stated; assumed {p['assumed_days']} days"
    if code == "distance":
        km = float(p["distance_km"])
        return "less than 1 km away" if km < 1 else f"{round(km):,} km away"
    if code == "distance_unknown":
        return "distance unknown"
    if code == "substitute":
        offered, needed = p["offer_category"], p["need_category"]
        return f"substitute: {_LABELS.get(offered, offered)} for {_LABELS.get(needed, needed)}"
    if code == "vetting_score":
        return f"vetting score {p['score']} of 100 ({_old_band(int(p['score']))})"
    if code == "vetting_unscored":
        return "vetting score: not scored yet"
    if code == "proposed_by_hand":
        return f"proposed by hand by {p['staff_email']}"
    return f"{code} {p}"


def notification_fact(text, link, match_leads):
    """A notification sentence -> its fact. ``link`` ("/matches/7") gives the match; ``match_leads``
    maps a match id to its lead id."""
    match_id = None
    if link:
        m = re.fullmatch(r"/matches/(\d+)", link)
        match_id = int(m[1]) if m else None
    m = re.fullmatch(rf"Proposed: ({_NUMBER}) (.+) for your request #(\d+)", text)
    if m and match_id in match_leads and _category(m[2]):
        return _fact("match_proposed", match_id=match_id, lead_id=match_leads[match_id], demand_id=int(m[3]),
                     quantity=_int(m[1]), category=_category(m[2]))
    m = re.fullmatch(rf"Your lead #(\d+): ({_NUMBER}) (.+) proposed to a buyer \(request #(\d+)\)", text)
    if m and match_id is not None and _category(m[3]):
        return _fact("match_proposed", match_id=match_id, lead_id=int(m[1]), demand_id=int(m[4]),
                     quantity=_int(m[2]), category=_category(m[3]))
    m = re.fullmatch(rf"Match #(\d+) \(({_NUMBER}) (.+), request #(\d+)\) is now (\w+)(?:: (.*)|\.)", text, re.S)
    if m and _category(m[3]) and m[5] in _STATUSES:
        detail = m[6]
        close_reason = _CLOSE_REASONS.get(detail) if m[5] == "closed" and detail else None
        return _fact("match_status", match_id=int(m[1]), demand_id=int(m[4]), quantity=_int(m[2]),
                     category=_category(m[3]), status=_STATUSES[m[5]],
                     reason=None if close_reason else detail, close_reason=close_reason)
    m = re.fullmatch(r"Match #(\d+) was closed: (.+)\.", text)
    if m and m[2] in _CLOSE_REASONS:
        return _fact("match_closed", match_id=int(m[1]), close_reason=_CLOSE_REASONS[m[2]])
    return _legacy(text)


def _tables():
    json_list = sa.JSON()
    return {
        "matches": sa.table("matches", sa.column("id", sa.Integer), sa.column("reasons", json_list)),
        "match_plan_lines": sa.table("match_plan_lines", sa.column("id", sa.Integer),
                                     sa.column("reasons", json_list)),
        "leads": sa.table("leads", sa.column("id", sa.Integer), sa.column("risk_signals", sa.JSON()),
                          sa.column("reference_version", sa.String)),
        "notifications": sa.table("notifications", sa.column("id", sa.Integer), sa.column("user_id", sa.Integer),
                                  sa.column("text", sa.String), sa.column("message", sa.JSON()),
                                  sa.column("link", sa.String)),
        "outbox_emails": sa.table("outbox_emails", sa.column("id", sa.Integer), sa.column("to_address", sa.String),
                                  sa.column("subject", sa.String), sa.column("body", sa.Text),
                                  sa.column("status", sa.String), sa.column("message", sa.JSON()),
                                  sa.column("role", sa.String), sa.column("link", sa.String)),
        "users": sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String),
                          sa.column("role", sa.String)),
    }


def _rewrite(conn, table, column, convert):
    """Rewrite ``column`` of every row of ``table`` with ``convert(value)`` (None: leave the row)."""
    rows = conn.execute(sa.select(table.c.id, table.c[column]).order_by(table.c.id)).fetchall()
    stmt = table.update().where(table.c.id == sa.bindparam("_id")).values({column: sa.bindparam("_value")})
    changed = []
    for row_id, value in rows:
        new = convert(value)
        if new is not None:
            changed.append({"_id": row_id, "_value": new})
        if len(changed) >= BATCH:
            conn.execute(stmt, changed)
            changed = []
    if changed:
        conn.execute(stmt, changed)


def _signals_up(signals):
    if not signals:
        return None
    out = []
    for signal in signals:
        if not isinstance(signal, dict) or "params" in signal:
            out.append(signal)
            continue
        new = {"code": signal.get("code") or "legacy", "weight": signal.get("weight", 0),
               "params": {"legacy_text": signal.get("sentence") or ""}}
        if signal.get("evidence"):
            new["evidence"] = signal["evidence"]
        out.append(new)
    return out


def upgrade():
    conn = op.get_bind()
    t = _tables()
    for name in ("matches", "match_plan_lines"):
        _rewrite(conn, t[name], "reasons",
                 lambda reasons: [reason_fact(r) for r in reasons] if reasons else None)

    _rewrite(conn, t["leads"], "risk_signals", _signals_up)
    # Score every lead again (the sweeper picks up leads whose version is not the current one).
    conn.execute(t["leads"].update().where(t["leads"].c.risk_signals.isnot(None)).values(reference_version=None))

    match_leads = dict(conn.execute(sa.text("SELECT id, lead_id FROM matches")).fetchall())
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))
    n = t["notifications"]
    rows = conn.execute(sa.select(n.c.id, n.c.text, n.c.link).order_by(n.c.id)).fetchall()
    stmt = n.update().where(n.c.id == sa.bindparam("_id")).values(message=sa.bindparam("_value"))
    for start in range(0, len(rows), BATCH):
        conn.execute(stmt, [{"_id": row_id, "_value": notification_fact(text or "", link, match_leads)}
                            for row_id, text, link in rows[start:start + BATCH]])
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('message', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('text')

    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('link', sa.String(length=255), nullable=True))
        batch_op.alter_column('subject', existing_type=sa.String(length=200), nullable=True)
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=True)
    o, u = t["outbox_emails"], t["users"]
    roles = {email.lower(): role for email, role in conn.execute(sa.select(u.c.email, u.c.role)).fetchall()}
    rows = conn.execute(sa.select(o.c.id, o.c.to_address, o.c.subject, o.c.body, o.c.status)
                        .order_by(o.c.id)).fetchall()
    stmt = o.update().where(o.c.id == sa.bindparam("_id")).values(
        message=sa.bindparam("_message"), role=sa.bindparam("_role"), link=sa.bindparam("_link"))
    changed = []
    for row_id, to_address, subject, body, status in rows:
        found = re.search(r"Open it in the marketplace: (\S+)", body or "")
        link = (urlsplit(found[1]).path or "/")[:255] if found else None
        message = notification_fact(subject or "", link, match_leads)
        if message["code"] == "legacy" and status == "pending":
            message = None  # sent as written (it was addressed to this recipient)
        changed.append({"_id": row_id, "_message": message, "_role": roles.get((to_address or "").lower()),
                        "_link": link})
    for start in range(0, len(changed), BATCH):
        conn.execute(stmt, changed[start:start + BATCH])


def downgrade():
    from marketplace.domain import messages

    conn = op.get_bind()
    t = _tables()
    for name in ("matches", "match_plan_lines"):
        _rewrite(conn, t[name], "reasons",
                 lambda reasons: [reason_sentence(r) for r in reasons] if reasons else None)

    def signals_down(signals):
        if not signals:
            return None
        out = []
        for signal in signals:
            if not isinstance(signal, dict) or "sentence" in signal:
                out.append(signal)
                continue
            old = {"code": signal.get("code"), "weight": signal.get("weight", 0),
                   "sentence": messages.render_signal(signal, "staff") or signal.get("code")}
            if signal.get("evidence"):
                old["evidence"] = signal["evidence"]
            out.append(old)
        return out

    _rewrite(conn, t["leads"], "risk_signals", signals_down)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text', sa.String(length=500), nullable=True))
    n, u = t["notifications"], t["users"]
    roles = dict(conn.execute(sa.select(u.c.id, u.c.role)).fetchall())
    rows = conn.execute(sa.select(n.c.id, n.c.user_id, n.c.message).order_by(n.c.id)).fetchall()
    stmt = n.update().where(n.c.id == sa.bindparam("_id")).values(text=sa.bindparam("_value"))
    for start in range(0, len(rows), BATCH):
        conn.execute(stmt, [{"_id": row_id, "_value": messages.render_notification(message, roles.get(user_id))}
                            for row_id, user_id, message in rows[start:start + BATCH]])
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('text', existing_type=sa.String(length=500), nullable=False)
        batch_op.drop_column('message')

    o = t["outbox_emails"]
    rows = conn.execute(sa.select(o.c.id, o.c.message, o.c.role, o.c.link)
                        .where(sa.or_(o.c.subject.is_(None), o.c.body.is_(None)))).fetchall()
    stmt = o.update().where(o.c.id == sa.bindparam("_id")).values(subject=sa.bindparam("_subject"),
                                                                 body=sa.bindparam("_body"))
    worded = []
    for row_id, message, role, link in rows:
        subject, body = messages.render_email(message or messages.as_fact(""), role, link or "/")
        worded.append({"_id": row_id, "_subject": subject, "_body": body})
    for start in range(0, len(worded), BATCH):
        conn.execute(stmt, worded[start:start + BATCH])
    with op.batch_alter_table('outbox_emails', schema=None) as batch_op:
        batch_op.alter_column('subject', existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column('body', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('link')
        batch_op.drop_column('role')
        batch_op.drop_column('message')
