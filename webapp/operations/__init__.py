"""Running PartnerPlan: moving a database, backing it up, and watching it.

- `dbcopy.py`: `flask db copy --to URL`, every table of the current database
  into an empty PostgreSQL one, checked table by table.
- `backups.py`: `flask backup create|list|restore`, a consistent copy taken
  while the app runs (SQLite's online backup, `pg_dump`), the last N kept;
  the worker takes one every night when BACKUP_DIR is set.
- `health.py`: GET /healthz for load balancers and monitors.
- `requests.py`: a request id on every request and response, and each error
  logged as one JSON line carrying it.
- `cli.py`: the commands.
"""
