"""gunicorn peer of workerpool-bench: sync workers on 127.0.0.1:$BENCH_PORT, $BENCH_WORKERS of them.

A worker is ready when post_worker_init runs (after the arbiter forked it and the app is loaded in it): it then
appends "<age> <pid> <epoch nanos> <cpu nanos used since the fork>" to $BENCH_STAMPS in one write. gunicorn has no stable worker ids; its
"age" (a spawn counter) stands in for one.
"""
import os
import time

bind = "127.0.0.1:" + os.environ["BENCH_PORT"]
workers = int(os.environ.get("BENCH_WORKERS", "4"))
worker_class = "sync"
loglevel = "warning"
timeout = 30
graceful_timeout = 5


def post_worker_init(worker):
    line = "%d %d %d %d\n" % (worker.age, os.getpid(), time.time_ns(), time.process_time_ns())
    fd = os.open(os.environ["BENCH_STAMPS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
