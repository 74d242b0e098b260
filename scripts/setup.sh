#!/usr/bin/env bash
# Mirador de Obras: install what this machine lacks, then the Python packages. Run by
# `make install` (so by `make run` and `make test`) and by .ci/run, so CI proves the README.
#
# System packages (Debian/Ubuntu, apt): PostGIS for the PostgreSQL that Mirador will use
# (postgresql-<major>-postgis-3, the major of the running server, else of the newest server
# binaries, which the private instance uses), Chromium and its driver (browser tests),
# redis-server (shared-cache tests), poppler-utils (the PDF tests' pdftoppm), and python3-venv
# where the Python is the system's. Where it cannot install (not root and no sudo, no apt) it
# stops with the exact command to run. Nothing missing: no apt-get at all.
#
# Python: `pip install -e '.[dev]'` into $MIRADOR_PYTHON (default python3), or into ./.venv
# when that Python is the system's, which refuses pip (PEP 668: "externally managed"); the
# Makefile uses .venv/bin/python whenever .venv exists. Skipped when pyproject.toml has not
# changed since the last install into the same interpreter (stamp in var/setup/).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_PYTHON="${MIRADOR_PYTHON:-python3}"
STAMP_DIR="var/setup"
need=()        # Debian package names still to install

say() { printf '%s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# -- Python: which interpreter, and may pip write into it? -------------------------------
python_for_project() {
  if [ -x .venv/bin/python ]; then echo .venv/bin/python; return; fi
  if "$BASE_PYTHON" - <<'EOF'
import os, sys, sysconfig
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
sys.exit(0 if managed and sys.prefix == sys.base_prefix else 1)
EOF
  then echo .venv/bin/python    # made below, once the system can make it
  else echo "$BASE_PYTHON"
  fi
}

# -- PostgreSQL: the server's major version and whether it has PostGIS -------------------
is_local_url() {   # DATABASE_URL points at this machine (TCP loopback or a Unix socket)
  "$BASE_PYTHON" - "$1" <<'EOF'
import sys
from urllib.parse import parse_qs, urlsplit
url = urlsplit(sys.argv[1])
host = (url.hostname or parse_qs(url.query).get("host", [""])[0] or "")
sys.exit(0 if host in ("", "localhost", "127.0.0.1", "::1") or host.startswith("/") else 1)
EOF
}

server_answer() {  # "<major>|<postgis available 0/1>" from the server, if one answers
  have psql || return 1
  local target
  if [ -n "${DATABASE_URL:-}" ]; then
    target="$(printf '%s' "$DATABASE_URL" | sed -E 's#^postgres(ql)?(\+[a-z0-9]+)?://#postgresql://#')"
  else
    target="host=127.0.0.1 port=5432 user=${PGUSER:-postgres} dbname=postgres"
  fi
  PGCONNECT_TIMEOUT=3 psql -w -X -A -t -q -d "$target" -c \
    "SELECT current_setting('server_version_num')::int / 10000 || '|' ||
            (SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis')" 2>/dev/null
}

newest_server_major() {  # the newest PostgreSQL server installed (the private instance's)
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n1)"
  [ -n "$dir" ] && basename "$(dirname "$(dirname "$dir")")"
}

check_postgis() {
  local answer major
  if answer="$(server_answer)" && [ -n "$answer" ]; then
    major="${answer%%|*}"
    [ "${answer##*|}" -gt 0 ] && { POSTGIS="PostGIS (PostgreSQL $major)"; return; }
    if [ -n "${DATABASE_URL:-}" ] && ! is_local_url "$DATABASE_URL"; then
      say "El servidor de DATABASE_URL no tiene PostGIS: instálelo en ese servidor."
      say "The DATABASE_URL server lacks PostGIS: install it on that server."
      exit 1
    fi
    need+=("postgresql-$major-postgis-3"); return
  fi
  if [ -n "${DATABASE_URL:-}" ] && ! is_local_url "$DATABASE_URL"; then
    POSTGIS="(DATABASE_URL: otro servidor / another server)"; return
  fi
  major="$(newest_server_major || true)"
  if [ -z "$major" ]; then
    need+=(postgresql postgis:default)      # resolved to the default major after apt update
  elif [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
    need+=("postgresql-$major-postgis-3")
  else
    POSTGIS="PostGIS (PostgreSQL $major)"
  fi
}

# -- apt ---------------------------------------------------------------------------------
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

can_install() {
  have apt-get || return 1
  [ "$(id -u)" -eq 0 ] && return 0
  have sudo && { sudo -n true 2>/dev/null || [ -t 0 ]; }
}

debian_names() {   # the list as Debian would name it, before apt's lists are read
  local p out=()
  for p in "${need[@]}"; do
    case "$p" in postgis:default) out+=(postgresql-postgis) ;; *) out+=("$p") ;; esac
  done
  echo "${out[*]}"
}

resolve() {        # names apt knows on this release (Ubuntu names Chromium differently)
  local p out=() major
  for p in "${need[@]}"; do
    case "$p" in
      postgis:default)
        major="$(apt-cache depends postgresql 2>/dev/null \
                 | sed -nE 's/.*Depends: postgresql-([0-9]+)$/\1/p' | head -n1)"
        out+=("postgresql-${major:-15}-postgis-3") ;;
      chromium|chromium-driver)
        if apt-cache show chromium >/dev/null 2>&1; then out+=("$p")
        elif [ "$p" = chromium ]; then out+=(chromium-browser)
        else out+=(chromium-chromedriver); fi ;;
      *) out+=("$p") ;;
    esac
  done
  echo "${out[*]}"
}

stop_with_command() {
  local names
  names="$(debian_names)"
  say ""
  say "Faltan paquetes del sistema y este usuario no puede instalarlos. Ejecute:"
  say "System packages are missing and this user cannot install them. Run:"
  say ""
  if have apt-get; then
    say "    sudo apt-get update && sudo apt-get install -y $names"
    say ""
    say "(sin sudo, como root / without sudo, as root: apt-get update && apt-get install -y $names)"
  else
    say "    (Debian/Ubuntu) apt-get update && apt-get install -y $names"
    say "    Sin apt: instale lo equivalente con el gestor de paquetes de su sistema."
    say "    No apt: install the equivalent with your system's package manager."
  fi
  say ""
  say "Luego vuelva a ejecutar el mismo comando make. / Then run the same make command again."
  exit 1
}

# -- what is missing ---------------------------------------------------------------------
PY="$(python_for_project)"
POSTGIS=""
if [ "$PY" = .venv/bin/python ] && [ ! -x .venv/bin/python ]; then
  if ! "$BASE_PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
    need+=("python$("$BASE_PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
  fi
fi
check_postgis
have chromium || have chromium-browser || have google-chrome || need+=(chromium)
have chromedriver || need+=(chromium-driver)
have redis-server || need+=(redis-server)
have pdftoppm || need+=(poppler-utils)
have npm || need+=(npm)      # axe-core for the browser tests' accessibility checks

if [ ${#need[@]} -gt 0 ]; then
  can_install || stop_with_command
  say "Instalando / installing: $(debian_names)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  # shellcheck disable=SC2046  # the names are words
  as_root apt-get install -y -qq --no-install-recommends $(resolve) >/dev/null
  [ -n "$POSTGIS" ] || POSTGIS="PostGIS"
fi

# -- Python packages ---------------------------------------------------------------------
if [ "$PY" = .venv/bin/python ] && [ ! -x .venv/bin/python ]; then
  say "Creando el entorno virtual .venv / creating the virtual environment .venv"
  rm -rf .venv
  "$BASE_PYTHON" -m venv .venv
fi
stamp="$STAMP_DIR/pip-$(printf '%s' "$("$PY" -c 'import sys; print(sys.executable)')" \
        | sha256sum | cut -c1-16)"
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
here="$(pwd -P)"
installed_here() {   # this checkout's packages are what the interpreter imports
  "$PY" -I -c 'import pathlib, sys, dashboard, pytest
sys.exit(0 if str(pathlib.Path(dashboard.__file__).resolve().parents[1]) == sys.argv[1] else 1)' \
    "$here" >/dev/null 2>&1
}
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ] || ! installed_here; then
  say "Instalando los paquetes de Python / installing the Python packages ($PY)"
  mkdir -p "$STAMP_DIR"
  # The build's warnings go to a log, shown only if the install fails.
  if ! "$PY" -m pip install -q --disable-pip-version-check --root-user-action=ignore \
      -e '.[dev]' >"$STAMP_DIR/pip.log" 2>&1; then
    cat "$STAMP_DIR/pip.log" >&2
    say "Falló pip install (arriba el detalle). / pip install failed (details above)." >&2
    exit 1
  fi
  echo "$wanted" > "$stamp"
fi
# -- npm packages of the tests (axe-core), from the lock file -----------------------------
a11y_stamp="$STAMP_DIR/npm-a11y"
a11y_wanted="$(sha256sum tests/a11y/package-lock.json | cut -d' ' -f1)"
if [ "$(cat "$a11y_stamp" 2>/dev/null)" != "$a11y_wanted" ] \
    || [ ! -f tests/a11y/node_modules/axe-core/axe.min.js ]; then
  say "Instalando axe-core (npm) / installing axe-core (npm)"
  mkdir -p "$STAMP_DIR"
  npm ci --prefix tests/a11y --no-audit --no-fund --loglevel=error >/dev/null
  echo "$a11y_wanted" > "$a11y_stamp"
fi
say "Listo / ready: Python ($PY), ${POSTGIS:-PostGIS}, Chromium, Redis, Poppler, axe-core."
