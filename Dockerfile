# The fallback server in a container: what `make serve` runs (python -m server_fallback.serve,
# granian), with the same settings. No Docker engine runs on our machines, so this file is kept
# consistent with the Makefile's serve target by hand, not built in CI.
# Build the site and models first (`make build`), then: docker build -t py-pipeline-server .
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 \
    MODEL_DIR=/app/dist/models SITE_DIR=/app/dist/site

WORKDIR /app
# Server runtime only: the `server` group and the pinned scientific stack (requirements-server.lock).
COPY requirements-server.lock ./
RUN pip install --no-cache-dir -r requirements-server.lock

COPY py_pipeline/ py_pipeline/
COPY server_fallback/ server_fallback/
# Each bundle carries the wheels of its feature packages (the model's own code): the server
# installs them from the bundle, sha256 checked, when it loads the model.
COPY dist/models/ dist/models/
COPY dist/site/ dist/site/

RUN useradd --system --uid 10001 --home /app app && chown -R app /app
USER app

EXPOSE 8000
# SIGTERM drains: workers stop accepting and answer every connection already accepted.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=2)"
CMD ["python", "-m", "server_fallback.serve"]
