"""Use cases: load rows, call the domain, write results, commit (then enqueue)."""
