# Latent Explorer on the CPU. Same start command as `make run`, but listening on every interface (0.0.0.0), not localhost.

# The map's own plotly.js (web/plotly-map, as `make map-bundle`), built in a Node stage: the image itself has no Node.
FROM node:22-slim AS map-bundle
WORKDIR /build
COPY web/plotly-map/ ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && node build.js /static

FROM python:3.11-slim

WORKDIR /app
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1

COPY requirements.txt pyproject.toml ./
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.14.1 torchvision==0.29.1 \
 && pip install -r requirements.txt

COPY . .
COPY --from=map-bundle /static/ ./static/
RUN pip install --no-deps -e . && useradd --create-home explorer && chown -R explorer /app \
 && mkdir /library && chown explorer /library
# The workspaces, uploads and runs (the library) outlive the container in this volume.
ENV LATENT_EXPLORER_HOME=/library
VOLUME /library
USER explorer

EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8501/_stcore/health', timeout=4)"
CMD ["streamlit", "run", "app.py", "--server.port", "8501", "--server.address", "0.0.0.0"]
