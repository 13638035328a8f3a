FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PNEUMO_BIND=0.0.0.0:8000 \
    PNEUMO_VAR_DIR=/data \
    PNEUMO_MEDIA_ROOT=/data/media

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_DEBUG=1 python manage.py collectstatic --noinput --verbosity 0 \
    && useradd --create-home --uid 1000 app && mkdir -p /data && chown app /data

USER app
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthcheck', timeout=4)"
CMD ["sh", "-c", "python manage.py migrate --noinput && gunicorn -c gunicorn.conf.py pneumosite.wsgi"]
