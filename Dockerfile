# Slim, non-root image of the twinning API. Migrations run on start (scripts/serve.sh);
# the database comes from TWINNING_DATABASE_URL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/tmp/matplotlib \
    TWINNING_DATABASE_URL=sqlite:////app/var/twinning.db \
    WEB_CONCURRENCY=2 \
    PORT=8000

WORKDIR /app
RUN useradd --system --create-home --uid 10001 twinning

# Dependencies first so that code changes reuse the cached layer.
COPY pyproject.toml README.md ./
RUN mkdir -p assessment app \
    && touch assessment/__init__.py app/__init__.py \
    && pip install . \
    && pip uninstall -y twinning

COPY assessment ./assessment
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
COPY data ./data
COPY scripts/serve.sh ./scripts/serve.sh
RUN pip install --no-deps -e . \
    && mkdir -p /app/var \
    && chown twinning /app/var

USER twinning
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/v1/health', timeout=2)"
CMD ["sh", "scripts/serve.sh"]
