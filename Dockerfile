# The fallback server in a container. Not exercised by CI (no Docker engine on our machines).
# Build the site and models first (`make build`), then: docker build -t py-pipeline-server .
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 PORT=8000 \
    MODEL_DIR=/app/dist/models SITE_DIR=/app/dist/site

WORKDIR /app
COPY requirements.lock pyproject.toml ./
# Server runtime only: the pinned scientific stack plus Flask and gunicorn from the lock.
RUN grep -E '^(numpy|scipy|scikit-learn|joblib|threadpoolctl|flask|flask-cors|werkzeug|jinja2|itsdangerous|click|blinker|markupsafe|gunicorn|packaging|prometheus-client)==' requirements.lock > server.txt \
    && pip install --no-cache-dir -r server.txt

COPY py_pipeline/ py_pipeline/
COPY server_fallback/ server_fallback/
COPY dist/models/ dist/models/
COPY dist/site/ dist/site/

RUN useradd --system --uid 10001 --home /app app && chown -R app /app
USER app

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=2)"
CMD ["gunicorn", "--config", "server_fallback/gunicorn.conf.py", "server_fallback.wsgi:app"]
