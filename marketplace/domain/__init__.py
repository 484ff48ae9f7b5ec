"""Pure domain logic: no Flask, SQLAlchemy or RQ. Functions take plain values and return plain values."""
