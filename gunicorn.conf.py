"""gunicorn settings. No preload: TensorFlow does not survive a fork, so each worker
loads the model itself, as it starts (PNEUMO_WARM_START, the default) or on its first
prediction."""

import os
import re

bind = os.environ.get("PNEUMO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Each worker's TensorFlow gets its share of the cores, not all of them (inherited by the
# workers; settings.PNEUMO_TF_THREADS reads it).
os.environ.setdefault("PNEUMO_TF_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
# NumPy's own work in a request is small (the gates' projections, image statistics): its
# BLAS threads only fight TensorFlow's for the cores (BENCHMARKS.md, "Serving"). Read when
# a worker first imports NumPy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# Threads keep pages and image downloads responsive while one thread predicts; the
# model itself is guarded by a lock in mlcore.model.inference.
worker_class = "gthread"
threads = int(os.environ.get("PNEUMO_THREADS", "4"))
preload_app = False
timeout = int(os.environ.get("PNEUMO_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
# A worker is replaced after this many requests (plus a random 0..jitter, so workers do
# not restart together): whatever memory its allocator kept after large images goes back
# to the system. The price: the new worker's first prediction loads the model (how long:
# python -m bench) while the other workers serve. 0 turns recycling off.
max_requests = int(os.environ.get("PNEUMO_MAX_REQUESTS", "1000"))
max_requests_jitter = int(os.environ.get("PNEUMO_MAX_REQUESTS_JITTER", "100"))
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PNEUMO_LOG_LEVEL", os.environ.get("DJANGO_LOG_LEVEL", "info"))

# gunicorn's control socket (gunicornc): each instance its own, under the data folder and
# named by the bind address (two instances cannot share one); gunicorn's default,
# ~/.gunicorn/gunicorn.ctl, is one for every instance of the user. PNEUMO_CONTROL_SOCKET=off
# turns it off; any other value is its path.
_control = os.environ.get("PNEUMO_CONTROL_SOCKET", "")
if _control.lower() == "off":
    control_socket_disable = True
else:
    _var_dir = os.environ.get("PNEUMO_VAR_DIR") or os.path.join(os.path.dirname(__file__), "var")
    _name = "gunicorn-" + re.sub(r"[^A-Za-z0-9.]+", "-", bind) + ".ctl"
    control_socket = _control or os.path.join(_var_dir, "run", _name)


def post_worker_init(worker) -> None:
    """Warm start: the worker loads the model in the background as soon as it has started
    (the readiness check answers "loading" until then), so that no upload pays the load.
    PNEUMO_WARM_START=0: on the first prediction instead (a worker that only serves pages
    never imports TensorFlow)."""
    if os.environ.get("PNEUMO_WARM_START", "1") != "0":
        from diagnosis.active_model import warm_up

        warm_up()
