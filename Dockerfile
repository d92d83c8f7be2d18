# Slim, non-root image of the twinning API, installed from a wheel (not from the source tree):
# what runs is exactly what `pip install twinning-*.whl` gives, model files included.
# Migrations run on start (scripts/serve.sh); settings come from TWINNING_* variables.

# --- build: the wheel of this tree (data/ goes in as the package assessment.data) ---------
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY assessment ./assessment
COPY app ./app
COPY data ./data
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# --- runtime ----------------------------------------------------------------------------
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

# Dependencies first, from pyproject alone, so that code changes reuse the cached layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt pyproject.toml

# The package itself, non-editable; the source tree is not copied, so nothing shadows it.
COPY --from=build /wheels /wheels
RUN pip install --no-deps /wheels/*.whl && rm -rf /wheels

# Migrations and the start script are deployment files, not part of the package.
COPY alembic ./alembic
COPY alembic.ini ./
COPY scripts/serve.sh ./scripts/serve.sh
RUN mkdir -p /app/var && chown twinning /app/var

USER twinning
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/v1/health/live', timeout=2)"
CMD ["sh", "scripts/serve.sh"]
