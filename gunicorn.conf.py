"""gunicorn settings. No preload: TensorFlow does not survive a fork, so each worker
loads the model itself on its first prediction."""

import os

bind = os.environ.get("PNEUMO_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Each worker's TensorFlow gets its share of the cores, not all of them (inherited by the
# workers; settings.PNEUMO_TF_THREADS reads it).
os.environ.setdefault("PNEUMO_TF_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
# Threads keep pages and image downloads responsive while one thread predicts; the
# model itself is guarded by a lock in mlcore.inference.
worker_class = "gthread"
threads = int(os.environ.get("PNEUMO_THREADS", "4"))
preload_app = False
timeout = int(os.environ.get("PNEUMO_WORKER_TIMEOUT", "120"))
graceful_timeout = 30
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("PNEUMO_LOG_LEVEL", os.environ.get("DJANGO_LOG_LEVEL", "info"))
