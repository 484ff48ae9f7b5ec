"""Background jobs on RQ and Redis (or in-process when REDIS_URL is not set)."""
