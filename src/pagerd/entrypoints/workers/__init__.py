"""The engine: the workers' duties (timers, dispatch, retention), run in the background.

`duties.DUTIES` lists every duty. `start_workers(container)` starts an engine running them
(the server and `pagerd worker` call it); `run_worker(settings)` is `pagerd worker`;
`WorkerEngine` is one worker, whose single cycles tests and the simulation may drive themselves.
"""

from pagerd.entrypoints.workers.engine import WorkerEngine
from pagerd.entrypoints.workers.options import MAX_POLL_INTERVAL, WorkerOptions, new_worker_id
from pagerd.entrypoints.workers.process import RunningWorkers, run_worker, start_workers

__all__ = [
    "MAX_POLL_INTERVAL",
    "RunningWorkers",
    "WorkerEngine",
    "WorkerOptions",
    "new_worker_id",
    "run_worker",
    "start_workers",
]
