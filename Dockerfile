# Production image: gunicorn serving service:create_app() with the bundled policies.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY service ./service
RUN python -m venv /opt/venv && /opt/venv/bin/pip install .

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin hukou
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY policies ./policies
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HUKOU_POLICY_DIR=/app/policies \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"]
