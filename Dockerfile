# coherta-mock as a CI sidecar: a slim image that serves the shipped Coherta catalog on port 8080.
# Custom fixtures: mount a directory and set COHERTA_MOCK_FIXTURES to it (see docs/ci.md).

# -- build: a wheel from this repository --------------------------------------------------------
FROM python:3.12-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir "build==1.2.2"
COPY pyproject.toml README.md CHANGELOG.md ./
COPY mockserver ./mockserver
COPY fixtures ./fixtures
RUN python -m build --wheel --outdir /dist

# -- runtime ------------------------------------------------------------------------------------
FROM python:3.12-slim
LABEL org.opencontainers.image.title="coherta-mock" \
      org.opencontainers.image.description="Offline mock of the Coherta API with a fake JWT token issuer"
COPY --from=build /dist/*.whl /tmp/
RUN pip install --no-cache-dir /tmp/*.whl && rm /tmp/*.whl \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin coherta \
    && mkdir /fixtures && chown coherta /fixtures
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COHERTA_MOCK_PORT=8080
USER 10001
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["coherta-mock", "health"]
ENTRYPOINT ["coherta-mock"]
CMD ["serve", "--host", "0.0.0.0"]
