"""The bare endpoint that bench/load_submit.py measures the lead form against, in the same run:
Flask under the same gunicorn command, one POST /bare that reads the same urlencoded form, inserts
one row into PostgreSQL (table bare_rows of the benchmark's own database, SQLAlchemy's pooled
engine with the psycopg 3 driver, as the app uses) and answers 302, as the lead form does. No
sign-in, CSRF, rate limit, template or queue: the floor any form submission costs here.

    BARE_DATABASE_URL=postgresql://... gunicorn -w 4 bench.bare_app:app   (load_submit.py does this)
"""
from __future__ import annotations

import os

from flask import Flask, redirect, request
from sqlalchemy import create_engine, text

from config import normalise_database_url

app = Flask(__name__)
engine = create_engine(normalise_database_url(os.environ["BARE_DATABASE_URL"]), pool_pre_ping=True)


@app.post("/bare")
def bare():
    with engine.begin() as conn:
        row_id = conn.execute(text("INSERT INTO bare_rows (notes) VALUES (:notes) RETURNING id"),
                              {"notes": request.form.get("notes", "")}).scalar_one()
    return redirect(f"/bare/{row_id}")
