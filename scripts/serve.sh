#!/usr/bin/env bash
# Start the dashboard for other people (docs/DEPLOY.md). Production defaults:
# login required (SRA_AUTH=required unless set), no error details shown to users,
# bound to SRA_ADDRESS:SRA_PORT (default 127.0.0.1:8501, behind a TLS reverse proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
export SRA_AUTH="${SRA_AUTH:-required}"
ADDRESS="${SRA_ADDRESS:-127.0.0.1}"
PORT="${SRA_PORT:-8501}"
if [[ ! -f out/sample/run.json && -z "${SRA_OUTPUT_DIR:-}" ]]; then
  echo "processing the bundled sample first (python -m analysis run data/sample --out out/sample)" >&2
  python -m analysis run data/sample --out out/sample --quiet
fi
exec python -m streamlit run dashboard.py \
  --server.address "$ADDRESS" --server.port "$PORT" \
  --server.headless true --browser.gatherUsageStats false \
  --client.showErrorDetails none "$@"
