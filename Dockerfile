# vadbot in a container: `docker compose up -d` (see docker-compose.yml).
# The catalog repository and the state live on the /data volume (HOME=/data, so a deploy key goes
# in /data/.ssh); the settings file is mounted at /app/config/vadbot.yaml; tokens come from the
# environment only. The health check is `vadbot status` (exit 1 = unhealthy).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the catalog's history and the bot's commits; openssh-client: pushing to git@ remotes;
# tini: forwards SIGTERM so vadbot stops cleanly.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

# The bundled catalog (copied to catalog.repo on the volume at the first start, see
# scripts/docker-entrypoint.sh) and the image's settings: catalog.repo, state.path and
# log.format there, not in ENV, so a mounted config file is never silently overridden.
COPY catalog ./catalog
COPY config ./config
COPY scripts/docker-entrypoint.sh /usr/local/bin/vadbot-entrypoint
RUN cp config/vadbot.docker.yaml config/vadbot.yaml \
    && chmod 0755 /usr/local/bin/vadbot-entrypoint

RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin vadbot \
    && mkdir -p /data \
    && chown vadbot:vadbot /data
USER vadbot

ENV VADBOT_CONFIG=/app/config/vadbot.yaml
VOLUME ["/data"]

HEALTHCHECK --interval=1m --timeout=30s --start-period=2m --retries=3 CMD ["vadbot", "status"]
ENTRYPOINT ["tini", "--", "vadbot-entrypoint"]
CMD ["run"]
