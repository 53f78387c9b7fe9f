# Sada: one image for the API (`sada serve`), the workers (`sada worker`) and one-off commands
# (`sada db upgrade`, `sada db backup`). Multi-stage: the build stage installs Sada into a
# virtual environment; the final stage is python:slim with that environment, the PostgreSQL
# client tools (backup/restore) and an unprivileged user. See deploy/compose.yaml.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/sada
COPY pyproject.toml README.md ./
COPY sada ./sada
RUN /opt/sada/bin/pip install .

FROM python:3.11-slim
# postgresql-client (15 on Debian bookworm): pg_dump/pg_restore for `sada db backup/restore`;
# they must be of the server's major version or newer.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /var/lib/sada --create-home sada \
    && install -d -o sada -g sada /var/lib/sada/analytics
COPY --from=build /opt/sada /opt/sada
ENV PATH=/opt/sada/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SADA_ENVIRONMENT=production \
    SADA_RUN_JOBS_IN_PROCESS=false
USER sada
WORKDIR /var/lib/sada
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["sada", "serve", "--host", "0.0.0.0", "--port", "8000"]
