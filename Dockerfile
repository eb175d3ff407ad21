# vadbot in a container: `docker compose up -d` (see docker-compose.yml).
# State lives on the /data volume; the settings file is mounted at /app/config/vadbot.yaml;
# tokens come from the environment only. The health check is `vadbot status` (exit 1 = unhealthy).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# git: the catalog's history and the bot's commits; tini: forwards SIGTERM so vadbot stops cleanly.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git tini \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

# The bundled catalog and a default config, so the image starts as is; mount your own over them.
COPY catalog ./catalog
COPY config ./config
RUN cp config/vadbot.example.yaml config/vadbot.yaml

RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin vadbot \
    && mkdir -p /data \
    && chown vadbot:vadbot /data /app \
    && chown -R vadbot:vadbot /app/catalog
USER vadbot

# The bundled catalog as a one-commit git repo, so the announcer has a history to read out of
# the box. A lab's real list is a clone on /data (catalog.repo), where approvals survive.
RUN git init -q -b main /app \
    && git -C /app add catalog \
    && git -C /app -c user.name=vadbot -c user.email=vadbot@localhost commit -qm "Bundled catalog"

ENV VADBOT_CONFIG=/app/config/vadbot.yaml \
    VADBOT_STATE__PATH=/data/vadbot.sqlite3 \
    VADBOT_LOG__FORMAT=json
VOLUME ["/data"]

HEALTHCHECK --interval=1m --timeout=30s --start-period=2m --retries=3 CMD ["vadbot", "status"]
ENTRYPOINT ["tini", "--", "vadbot"]
CMD ["run"]
