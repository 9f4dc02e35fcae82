# Customer Credit Accounts. With no MONGODB_URI it keeps its data in the embedded
# nx-27017 store under /data (a volume); docker-compose.yml runs it on MongoDB instead.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

COPY . /tmp/build
RUN pip install /tmp/build && rm -rf /tmp/build

# /data belongs to the service's user, so a new named volume mounted there does too.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /data app \
    && mkdir /data && chown app:app /data
ENV CUSTOMER_CREDIT_DATA_DIR=/data
VOLUME /data
USER app
WORKDIR /data

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
# Exec form: the command gets SIGTERM from `docker stop` and shuts down in order
# (well inside the default 10 s), stopping the embedded store with it.
CMD ["customer-credit", "serve", "--host", "0.0.0.0", "--port", "8000"]
