# evidence-pipeline: the `evidence` CLI (and, later, the API) with its models inside. No network needed at run time.
# BASE: an air-gapped site points this at the same image in its own registry.
ARG BASE=python:3.11-slim
FROM ${BASE}

# fonts-noto-cjk: drawing OFD pages; poppler-utils + poppler-data: the pdf2image renderer (CJK encodings); tesseract: the baseline engine.
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk poppler-utils poppler-data tesseract-ocr tesseract-ocr-chi-sim \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
# The dependencies first, in a layer of their own: a change to the source or the README does not install them again.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt
COPY README.md ./
COPY pipeline ./pipeline
COPY models ./models
# Fictional reference lists for the demo; mount the programme office's lists and point EVIDENCE_REFERENCE_DIR at them.
COPY fixtures/reference ./reference
# The demo submission, for a smoke test: docker run --rm evidence-pipeline check demo --out /tmp/demo
COPY fixtures/demo ./demo
# The OCR models (PP-OCR ONNX files) come inside the rapidocr wheel; models/manifest.toml pins their sha256.
RUN pip install --no-cache-dir --no-deps . \
 && useradd --create-home --uid 10001 evidence

ENV EVIDENCE_MODELS_DIR=/app/models \
    EVIDENCE_REFERENCE_DIR=/app/reference \
    OMP_THREAD_LIMIT=1 \
    PYTHONUNBUFFERED=1
USER evidence
# Fail the build, not the first request, if a model is missing or altered.
RUN evidence models

ENTRYPOINT ["evidence"]
CMD ["--help"]
