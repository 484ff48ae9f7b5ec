"""Use cases: load rows, call the domain, write results, declare what follows the commit
(services.effects: jobs are queued by the jobs layer after it), and commit."""
