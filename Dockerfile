# Ginseng Trace service image (used by compose.yaml). Everything `pip install .` needs is copied
# (tests/ops/test_deployment.py builds the wheel from exactly these COPY lines).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY trace ./trace
RUN pip install --no-cache-dir .
# the data directory (log, operator and scan keys; the embedded database when no PostgreSQL) exists in the
# image, owned by the service's user and private (0700), so that a named volume mounted on it starts so too
RUN useradd --create-home --uid 10001 ginseng \
    && install -d -o ginseng -g ginseng -m 0700 /home/ginseng/data
USER ginseng
ENV TRACE_DATA_DIR=/home/ginseng/data \
    TRACE_DOCS=false
VOLUME ["/home/ginseng/data"]
EXPOSE 8000
# alive, over TCP as a client reaches it (the slim image has no curl); compose.yaml probes /readyz
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["ginseng-trace", "serve", "--host", "0.0.0.0", "--port", "8000"]
