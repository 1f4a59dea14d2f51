# Chromium for the Web UI check (tests/manual/check_web_ui.py, `make ui-check`): Debian's `chromium`,
# installed with apt-get when missing (as .ci/postgres.sh installs postgresql). Playwright drives it
# through executable_path: no browser is downloaded from anywhere but the package repositories.
#
#   . .ci/chromium.sh
#   tuopin_chromium_ensure     # quiet on success (one line); on failure apt-get's log is printed

_tuopin_chromium_path() {
    command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null || true
}

tuopin_chromium_ensure() {
    local found
    found=$(_tuopin_chromium_path)
    if [[ -n "$found" ]]; then
        echo "web UI check: Chromium at $found"
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "chromium.sh: Chromium is not installed and only root can apt-get install chromium" >&2
        return 1
    fi
    local log
    log=$(mktemp)
    if ! { apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold chromium; \
         } >"$log" 2>&1 </dev/null; then
        cat "$log" >&2
        rm -f "$log"
        echo "chromium.sh: apt-get install chromium failed" >&2
        return 1
    fi
    rm -f "$log"
    found=$(_tuopin_chromium_path)
    if [[ -z "$found" ]]; then
        echo "chromium.sh: no chromium after installing it" >&2
        return 1
    fi
    echo "web UI check: Chromium installed at $found"
}

# Run as a script: make sure Chromium is there, then the given command (if any).
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    tuopin_chromium_ensure
    if [[ $# -gt 0 ]]; then
        "$@"
    fi
fi
