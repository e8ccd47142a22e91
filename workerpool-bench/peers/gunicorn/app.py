"""gunicorn peer of workerpool-bench: the WSGI hello world its sync workers serve."""
import os


def app(environ, start_response):
    body = ("hello from worker (pid %d)\n" % os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]
