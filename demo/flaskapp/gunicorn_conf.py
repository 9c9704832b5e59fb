"""gunicorn settings of the multiprocess shape: a worker that exits leaves
its live gauges behind unless it is marked dead, as the exporter's
documentation says to do."""

from prometheus_client import multiprocess


def child_exit(server, worker):
    multiprocess.mark_process_dead(worker.pid)
