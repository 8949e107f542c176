"""The workers: fire acknowledgement timers and dispatch pages, in the background.

`start_workers(container)` starts them (the server and `pagerd worker` call it);
`run_worker(container, stop_event)` runs them until the event is set; `WorkerRunner` is one
worker, whose single cycles tests may drive themselves.
"""

from pagerd.entrypoints.workers.options import MAX_POLL_INTERVAL, WorkerOptions, new_worker_id
from pagerd.entrypoints.workers.process import RunningWorkers, run_worker, start_workers
from pagerd.entrypoints.workers.runner import WorkerRunner

__all__ = [
    "MAX_POLL_INTERVAL",
    "RunningWorkers",
    "WorkerOptions",
    "WorkerRunner",
    "new_worker_id",
    "run_worker",
    "start_workers",
]
