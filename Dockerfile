# The image of `tuopin worker`: docker-compose.temporal.yml builds it, docs/deployment.md explains it.
# It holds no configuration and no secret: the Temporal address, namespace, task queue and the
# registry's URL (with its password) all come from the environment at run time.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system --gid 10001 tuopin \
 && useradd --system --uid 10001 --gid tuopin --home-dir /home/tuopin --create-home \
        --shell /usr/sbin/nologin tuopin \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/tuopin-codec
# (the codec key ring's folder: a new volume mounted there takes its owner and mode)

WORKDIR /opt/tuopin

# The packages of pyproject.toml's [tool.setuptools] list, then a plain (non-editable) install with
# the PostgreSQL driver; the sources are dropped afterwards so only the installed copy is imported.
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY starters ./starters
COPY observability ./observability
COPY codec ./codec
RUN pip install ".[postgres]" \
 && rm -rf build ./*.egg-info domain workflows activities workers starters observability codec

# The policy configuration and the demo registry's inputs. An installed package does not carry
# data/, so TUOPIN_DATA_DIR points the worker at this copy.
COPY data ./data

ENV TUOPIN_DATA_DIR=/opt/tuopin/data \
    TUOPIN_HOME=/home/tuopin/.tuopin \
    TUOPIN_LOG_FORMAT=json

USER 10001:10001

# SIGTERM (docker stop, compose down) stops the worker cleanly.
CMD ["tuopin", "worker"]
