# Ginseng Trace service image (used by compose.yaml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY trace ./trace
RUN pip install --no-cache-dir .
RUN useradd --create-home --uid 10001 ginseng
USER ginseng
ENV TRACE_DATA_DIR=/home/ginseng/data
EXPOSE 8000
CMD ["ginseng-trace", "serve", "--host", "0.0.0.0", "--port", "8000"]
