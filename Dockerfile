# Production image: gunicorn serving Garrison; the same image runs the worker.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 GARRISON_DATA_DIR=/var/lib/garrison

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
# XStatic-Bootstrap ships only an sdist whose setup.py still imports pkg_resources.
RUN pip install --no-cache-dir "setuptools<81" wheel \
    && pip install --no-cache-dir --no-build-isolation xstatic-bootstrap \
    && pip install --no-cache-dir . \
    && useradd --system --home /var/lib/garrison garrison \
    && mkdir -p /var/lib/garrison && chown garrison /var/lib/garrison

USER garrison
EXPOSE 8000
CMD ["sh", "-c", "garrison migrate --no-input && garrison collectstatic --no-input -v0 && garrison serve --host 0.0.0.0 --port 8000"]
