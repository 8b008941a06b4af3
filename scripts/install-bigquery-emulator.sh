#!/usr/bin/env bash
# Install the local BigQuery emulator (local-bigquery) into .venv-bigquery-emulator/ at the repo root.
#
# The BigQuery tests start it on 127.0.0.1 (tests/warehouse/bigquery_emulator.py) so the real
# target-bigquery can load into it with no Google Cloud account. Everything is installed here, from
# PyPI, so nothing is downloaded when the emulator runs: DuckDB's extensions come from wheels and are
# copied to where DuckDB looks for them (under a HOME that belongs to the emulator only).
#
# Idempotent: a stamp holding this script's checksum makes a second call a fast no-op; editing the
# pins below re-installs. Set BIGQUERY_EMULATOR_PYTHON to choose the interpreter (3.13 to 3.15).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv-bigquery-emulator"
stamp="$venv/.installed"
extension_names=(ducklake icu spatial)
# DuckDB looks for extensions in $HOME/.duckdb/extensions/<duckdb version>/<platform>/.
duckdb_version="v1.5.5"

# uv installs the ~150 MB of wheels in seconds where pip takes ~25 s; it is installed into the venv.
uv_pin="uv==0.13.9"

# The emulator's set, frozen from a venv measured working (MERGE, insertAll, queries, views) on
# 2026-12-04, installed with --no-deps because local-bigquery asks for duckdb>=2.0 (see below) and
# because its loose lower bounds would otherwise pull whatever is newest on the day.
requirements="$(cat <<'EOF'
# the emulator; 0.4.0 serves MERGE, so target-bigquery's upsert works (bqemulator 1.4.0 does not)
local-bigquery==0.4.0
# newest duckdb with extension wheels on PyPI; local-bigquery declares >=2.0 but runs on 1.5.5
duckdb==1.5.5
# DuckLake is the catalog the emulator stores each project in; loaded at start-up
duckdb-extension-ducklake==1.5.5
# time zones for TIMESTAMP functions; without the file DuckDB would download it
duckdb-extension-icu==1.5.5
# loaded on the first dataset call; without the file the emulator tries to download it and fails
duckdb-extension-spatial==1.5.5
# the rest: local-bigquery's dependencies as resolved on 2026-12-04
annotated-doc==0.0.7
annotated-types==0.8.0
anyio==4.16.0
certifi==2026.10.19.post1
cffi==2.1.1
charset-normalizer==3.5.3
click==8.5.1
cryptography==50.0.2
fastapi==0.165.0
fastavro==1.13.1
google-api-core==2.44.0
google-auth==2.63.0
google-cloud-bigquery-storage==2.43.0
googleapis-common-protos==1.76.0
grpcio==1.85.3
grpcio-status==1.85.3
h11==0.16.0
idna==3.20
mini-racer==0.14.1
numpy==2.5.5
opentelemetry-api==1.45.3
prompt-toolkit==3.0.53
proto-plus==1.29.0
protobuf==7.36.2
pyarrow==26.0.1
pyasn1==0.6.5
pyasn1-modules==0.4.2
pycparser==3.12
pydantic==2.14.4
pydantic-core==2.50.5
pydantic-settings==2.16.3
pygments==2.21.0
python-dotenv==1.2.4
requests==2.34.2
sqlglot==30.31.0
starlette==1.10.0
typing-extensions==4.16.0
typing-inspection==0.4.5
urllib3==2.8.0
uvicorn==0.55.0
wcwidth==0.9.4
EOF
)"

say() { echo "install-bigquery-emulator: $*" >&2; }

# A Python that local-bigquery accepts (>=3.13,<3.16); pyenv's shims exist for versions that are
# not active and then fail, so every candidate is run, not just looked up.
python_ok() {
    [[ -x "$1" || -n "$(command -v "$1" 2>/dev/null)" ]] || return 1
    "$1" -c 'import sys; sys.exit(not ((3, 13) <= sys.version_info[:2] < (3, 16)))' >/dev/null 2>&1
}

find_python() {
    local candidates=()
    if [[ -n "${BIGQUERY_EMULATOR_PYTHON:-}" ]]; then
        candidates+=("$BIGQUERY_EMULATOR_PYTHON")
    fi
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root)"
        # Newest first: sort -V orders 3.13.10 after 3.13.9.
        while IFS= read -r dir; do
            candidates+=("$dir/bin/python3")
        done < <(ls -d "$root"/versions/3.1[345].* 2>/dev/null | sort -rV)
    fi
    candidates+=(python3.13 python3.14 python3.15 python3)
    local candidate
    for candidate in "${candidates[@]}"; do
        if python_ok "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

checksum="$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
platform_dir() { "$venv/bin/python" -c 'import duckdb; print(duckdb.execute("PRAGMA platform").fetchone()[0])'; }

installed() {
    [[ -f "$stamp" && "$(cat "$stamp")" == "$checksum" && -x "$venv/bin/local-bigquery" ]] || return 1
    local name
    for name in "${extension_names[@]}"; do
        compgen -G "$venv/home/.duckdb/extensions/$duckdb_version/*/$name.duckdb_extension" >/dev/null || return 1
    done
}

if installed; then
    exit 0
fi

python="$(find_python)" || {
    say "no Python 3.13-3.15 found (local-bigquery needs >=3.13): looked in \$(pyenv root)/versions and for python3.13/3.14/3.15 on PATH; install one (e.g. 'pyenv install 3.13') or set BIGQUERY_EMULATOR_PYTHON=/path/to/python3.13"
    exit 1
}

mkdir -p "$venv"
# Two `make test` runs at once must not install into the same venv together.
exec 9>"$venv/.install.lock"
flock 9
if installed; then
    exit 0
fi

started=$SECONDS
say "installing into $venv with $python ($("$python" -c 'import platform; print(platform.python_version())'))"
rm -f "$stamp"
if ! python_ok "$venv/bin/python"; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$uv_pin"
# --no-deps: the list above is the complete set (see why above).
"$venv/bin/uv" pip install --quiet --python "$venv/bin/python" --no-deps -r - <<<"$requirements"
"$venv/bin/python" -c 'import local_bigquery.app, local_bigquery.grpc.server' # fail here, not in a test

extensions="$venv/home/.duckdb/extensions/$duckdb_version/$(platform_dir)"
mkdir -p "$extensions"
for name in "${extension_names[@]}"; do
    source_file="$("$venv/bin/python" - "$name" <<'EOF'
import importlib, pathlib, sys
name = sys.argv[1]
package = pathlib.Path(importlib.import_module(f"duckdb_extension_{name}").__file__).parent
(found,) = package.glob(f"extensions/*/{name}.duckdb_extension")
print(found)
EOF
)"
    cp "$source_file" "$extensions/"
done

echo "$checksum" >"$stamp"
say "done in $((SECONDS - started)) s"
