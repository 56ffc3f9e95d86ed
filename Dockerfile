# One image for every process: web (gunicorn), ws (daphne), worker and beat (celery), the
# flash-sale consumer. The metrics folder exists and belongs to the app user before any
# volume is mounted on it, so compose's named volume starts writable.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Hashed, compressed static files baked into the image (nginx serves them from a volume).
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 kuaimai \
    && mkdir -p /app/var/media /app/var/prometheus \
    && chown -R kuaimai /app/var

USER kuaimai
EXPOSE 8000 8001

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", \
     "--access-logfile", "-", "--timeout", "30", "--graceful-timeout", "20"]
