"""A small Flask app instrumented as prometheus_flask_exporter does it.

The four metric families, their labels and their buckets are the
exporter's (PrometheusMetrics(app) with its defaults: prefix "flask",
group_by "path"), written here with prometheus_client alone so that the
tests need only Debian's python3-flask, python3-prometheus-client and
gunicorn. It runs in the three shapes people deploy:

  python3 app.py PORT                          one process
  gunicorn -w N app:app                        N workers, each with its own
                                               registry (no multiprocess mode)
  PROMETHEUS_MULTIPROC_DIR=D gunicorn -c gunicorn_conf.py -w N app:app
                                               N workers whose metrics one
                                               /metrics sums, through
                                               prometheus_client's
                                               MultiProcessCollector

The app serves what a load driver asks for: GET /api/orders?status=503
answers 503, ?ms=120 takes 120 ms, /api/boom raises an unhandled exception.
/metrics and /-/whoami are not counted, as the exporter's own /metrics is not.
"""

import os
import sys
import time

from flask import Flask, request, make_response
from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram,
                               REGISTRY, generate_latest, CONTENT_TYPE_LATEST)

EXPORTER_VERSION = "0.23.2"  # the version the families below follow
MULTIPROC = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

app = Flask(__name__)

# The exporter registers its families in the default registry, which also
# carries the process and platform collectors (process_start_time_seconds
# among them). In multiprocess mode they live in the files of the
# multiprocess directory and /metrics reads them through a registry of its
# own: there are no process_* metrics then.
registry = CollectorRegistry() if MULTIPROC else REGISTRY

info = Gauge("flask_exporter_info", "Information about the Prometheus Flask exporter",
             ["version"], registry=registry, multiprocess_mode="max")
info.labels(version=EXPORTER_VERSION).set(1)
duration = Histogram("flask_http_request_duration_seconds", "Flask HTTP request duration in seconds",
                     ["method", "path", "status"], registry=registry)
total = Counter("flask_http_request_total", "Total number of HTTP requests",
                ["method", "status"], registry=registry)
exceptions = Counter("flask_http_request_exceptions_total",
                     "Total number of HTTP requests which resulted in an exception",
                     ["method", "status"], registry=registry)

UNTRACKED = ("/metrics", "/-/whoami")


@app.before_request
def _start():
    request.vigil_start = time.perf_counter()


@app.after_request
def _after(response):
    if request.path in UNTRACKED or getattr(request, "vigil_done", False):
        return response
    request.vigil_done = True
    status = str(response.status_code)
    duration.labels(request.method, request.path, status).observe(
        max(time.perf_counter() - request.vigil_start, 0))
    total.labels(request.method, status).inc()
    return response


@app.teardown_request
def _teardown(exc=None):
    # An unhandled exception: counted in the exceptions counter, and as a
    # 500 in the histogram and the request counter (after_request did not
    # run for it).
    if exc is None or request.path in UNTRACKED:
        return
    exceptions.labels(request.method, "500").inc()
    if not getattr(request, "vigil_done", False):
        request.vigil_done = True
        duration.labels(request.method, request.path, "500").observe(
            max(time.perf_counter() - request.vigil_start, 0))
        total.labels(request.method, "500").inc()


def _answer(name):
    ms = request.args.get("ms", type=int, default=0)
    if ms > 0:
        time.sleep(min(ms, 5000) / 1000.0)
    status = request.args.get("status", type=int, default=200)
    if status < 200 or status > 599:
        status = 400
    return make_response("%s %d\n" % (name, status), status)


@app.route("/")
def index():
    return _answer("index")


@app.route("/api/orders", methods=["GET", "POST"])
def orders():
    return _answer("orders")


@app.route("/api/users")
def users():
    return _answer("users")


@app.route("/api/search")
def search():
    return _answer("search")


@app.route("/api/boom")
def boom():
    raise RuntimeError("boom: an unhandled exception")


@app.route("/-/whoami")
def whoami():
    return "%d\n" % os.getpid()


@app.route("/metrics")
def metrics():
    if MULTIPROC:
        from prometheus_client import multiprocess
        reg = CollectorRegistry()
        multiprocess.MultiProcessCollector(reg)
        body = generate_latest(reg)
    else:
        body = generate_latest(registry)
    return make_response(body, 200, {"Content-Type": CONTENT_TYPE_LATEST})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5001
    app.run(host="127.0.0.1", port=port, threaded=True)
