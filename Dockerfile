# confluence-dlp: one image, every role (`serve`, `serve --role api|scheduler|worker`).
#   docker build -t confluence-dlp .
# The build stage has the toolchain and the C headers (Tesseract and Leptonica through bindgen,
# which needs clang); the runtime stage has only the shared libraries, the English OCR model and
# CA certificates, and runs as an unprivileged user. The binary is built with the `dist` profile
# (Cargo.toml): the whole program optimised as one, slower to build than `--release`.

FROM rust:1-slim-bookworm AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      pkg-config clang libclang-dev libtesseract-dev libleptonica-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --profile dist --bin confluence-dlp \
 && cp target/dist/confluence-dlp /usr/local/bin/confluence-dlp

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates libtesseract5 tesseract-ocr-eng \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/confluence-dlp dlp
COPY --from=build /usr/local/bin/confluence-dlp /usr/local/bin/confluence-dlp
USER dlp
WORKDIR /var/lib/confluence-dlp
ENV DLP_DATA_DIR=/var/lib/confluence-dlp \
    DLP_LISTEN=0.0.0.0:8080 \
    OMP_THREAD_LIMIT=1
EXPOSE 8080
ENTRYPOINT ["confluence-dlp"]
CMD ["serve"]
