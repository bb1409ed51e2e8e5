# One image for every process of the assistant: the Rasa server, the action server, the web
# app (web chat + staff console), the Telegram gateway and the check-in scheduler. Each
# service (deploy/compose.yml) or Deployment (deploy/k8s, deploy/helm) sets its command.
#   docker build -t fever-triage-assistant:0.1.0 .
FROM python:3.10-slim

# The image's name and tag: deploy/ refers to exactly this (tests/test_deployment_files.py).
LABEL org.opencontainers.image.title="fever-triage-assistant" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.description="Fever symptom-triage assistant (Rasa Open Source 3.6)"

# What the Makefile exports for every process. PYTHONPATH: `rasa run` imports bot.* (custom
# channels, tracker and lock stores, NLU components) and its script directory, not the
# working directory, is on sys.path.
ENV PYTHONPATH=/opt/assistant \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false \
    PYTHONWARNINGS=ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning

# Not /app: Rasa's Helm chart mounts its own endpoints.yml and credentials.yml there.
WORKDIR /opt/assistant

# As `make install` (the lock pins manylinux wheels: no compiler needed).
COPY requirements.in requirements.lock ./
RUN pip install --no-cache-dir --disable-pip-version-check -r requirements.in -c requirements.lock

# The model's inputs first, so changing actions/, the web app or configuration does not retrain.
COPY config.yml ./
COPY domain ./domain
COPY data ./data
COPY bot ./bot
RUN python -m bot.training && rm -rf .rasa

COPY . .
# Code and model stay root-owned (read-only to the processes); var/ only for fallbacks.
RUN groupadd --system --gid 10001 assistant \
    && useradd --system --uid 10001 --gid assistant --create-home --home-dir /home/assistant assistant \
    && mkdir -p var && chown assistant:assistant var && chmod 700 var
USER 10001:10001

EXPOSE 5005 5055 8000 8443
# No default process: every deployment file names the one it runs.
CMD ["python", "-m", "bot.cli", "--help"]
