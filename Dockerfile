# syntax=docker/dockerfile:1
# Trend Sales image: the dashboard served by gunicorn, and the same code for the Dask scheduler and
# workers of compose.yaml. Build: `docker build -t trendsales .`; run it all: `docker compose up -d`.
# docs/OPERATIONS.md › Containers explains the settings, the volumes and how to scale each part.

# Stage 1: the virtual environment with every runtime dependency (pip and its caches stay here).
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt

# Stage 2: the runtime: the environment, the code read-only (owned by root) and an unprivileged user
# that can write only /data (instance folder, models, uploads: the volumes of compose.yaml).
FROM python:3.11-slim-bookworm AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 trendsales \
 && useradd --system --uid 10001 --gid trendsales --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin trendsales \
 && mkdir -p /data/instance /data/models /data/uploads \
 && chown -R trendsales:trendsales /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY wsgi.py gunicorn.conf.py ./
COPY app ./app
COPY callbacks ./callbacks
COPY components ./components
COPY data ./data
COPY models ./models
COPY scheduler ./scheduler
COPY services ./services
COPY deploy ./deploy
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8050 \
    TRENDSALES_INSTANCE_DIR=/data/instance \
    TRENDSALES_MODEL_DIR=/data/models \
    TRENDSALES_UPLOAD_DIR=/data/uploads
USER trendsales
EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4)"]
ENTRYPOINT ["/app/deploy/entrypoint.sh"]
