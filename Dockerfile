# The dashboard as one replica: `docker build -t usascp-dashboard .` then `docker run -p 8501:8501 usascp-dashboard`.
# deploy/compose.yaml runs three of these behind nginx with PostgreSQL (what `make cluster` runs on loopback) and
# deploy/kubernetes/ does the same on a cluster; the README's "Deployment" section says how many viewers each holds.
# Not built in this project's own CI: its machine has no Docker daemon and no access to Docker Hub (see the README).

# Debian 12 (bookworm), the release whose Chromium and fonts `make test` draws the PNG and PPTX pictures with.
# For a reproducible build, pin the digest this tag resolves to when you first pull it: python:3.11-slim-bookworm@sha256:…
FROM python:3.11-slim-bookworm

# Chromium draws the charts' PNG pictures and the deck's slides through kaleido (usascp/images.py reads BROWSER_PATH);
# it draws them in Liberation Sans (the metrics usascp/placement.py measures names with), DejaVu as the fallback.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-liberation fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BROWSER_PATH=/usr/bin/chromium \
    HOME=/home/usascp

WORKDIR /app

# Runtime dependencies only (requirements-dev.txt is for tests), in a layer of their own so that a code change does
# not reinstall them.
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

# The app, owned by root and read-only to the user that runs it (.dockerignore leaves out the venv, tests, local data).
COPY . .

# A user of its own, without a login shell, that may write only its home (Chromium's profile, Streamlit's own files)
# and the two folders the dashboard writes: saved-data/ (editors' saves with the folder store, or each replica's
# copy of the versions it serves with PostgreSQL) and kept-uploads/ (uploads a viewer explores, kept 24 hours).
RUN groupadd --system --gid 10001 usascp \
    && useradd --system --uid 10001 --gid usascp --home-dir /home/usascp --create-home --shell /usr/sbin/nologin usascp \
    && mkdir -p /app/saved-data /app/kept-uploads \
    && chown usascp:usascp /app/saved-data /app/kept-uploads
USER 10001:10001

EXPOSE 8501

# Streamlit's own health endpoint, asked with Python's standard library (the image has no curl). Compose uses it; a
# Kubernetes Deployment asks the same endpoint with its own probes.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

# .streamlit/config.toml (in the image) holds the rest: headless, static serving for the offline map style, limits.
# Secrets (editors, [auth], [connections.usascp]) are mounted at /app/.streamlit/secrets.toml, never built in.
CMD ["streamlit", "run", "dashboard.py", \
     "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", \
     "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
