#!/usr/bin/env bash
# Rebuild assets/plotly-<version>-mirador.min.js, the Plotly.js bundle the dashboard serves in
# place of Dash's full plotly.min.js (only the trace types and components Mirador draws: see
# scripts/plotly_bundle/entry.js). The built file is committed, so a fresh machine needs no
# Node; run this after upgrading the Python plotly package: set the same plotly.js version in
# scripts/plotly_bundle/package.json (python -c 'import plotly.offline as o;
# print(o.get_plotlyjs_version())'), then `make plotly-bundle`, and delete the old file.
# npm ci installs the exact versions of package-lock.json; the build is reproducible (the
# same bytes from the same versions).
set -euo pipefail
cd "$(dirname "$0")/plotly_bundle"
npm ci --no-audit --no-fund --loglevel=error
node build.js
