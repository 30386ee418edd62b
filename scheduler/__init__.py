"""Live model operations: retrain requests and jobs, the leader lease, and the APScheduler wiring.

- ``scheduler.jobstore``: job rows (request/coalesce, claim, progress, finish, recovery, listing);
- ``scheduler.execute``: run a claimed job in a killable child process with heartbeats and a timeout;
- ``scheduler.jobs``: the job functions of ``services`` (request, run, gate, recover);
- ``scheduler.leader``: the database lease electing one scheduler leader across workers and hosts;
- ``scheduler.runner``: the thin ``BackgroundScheduler`` wiring (``start_scheduler(services)``).
"""
