# Production image: gunicorn serving service:create_app() with the bundled policies.
# Build: make docker (docker build -t hukou-points .)

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
# A regular (not editable) install: the venv alone carries the package and its data.
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --upgrade pip \
 && /opt/venv/bin/pip install .

FROM python:3.11-slim
RUN useradd --system --no-log-init --uid 10001 --user-group \
      --home-dir /app --shell /usr/sbin/nologin hukou
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Code and policies stay root-owned: the service only reads them.
COPY policies ./policies
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    HUKOU_POLICY_DIR=/app/policies
USER 10001
EXPOSE 8000
# No curl in the slim image; urlopen raises (exit 1) on a refused connection or an HTTP error.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"]
