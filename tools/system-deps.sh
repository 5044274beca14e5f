#!/usr/bin/env bash
# Check the system packages the build needs: Python's venv, the Pango and
# HarfBuzz libraries WeasyPrint draws with, the Noto fonts for scripts beyond
# the ones the templates ship (Chinese, Japanese and Korean included), and poppler-utils for previews. With the
# argument `test`, also what the tests use: strace, faketime (to build under
# a clock set years ahead), and Chromium for the accessibility scan of the HTML. Install what is missing with
# apt-get when we may (root, or sudo without a password); otherwise print the
# exact command to run, and stop.
set -euo pipefail

PYTHON="${PYTHON:-python3}"
missing=()

has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
has_font() { command -v fc-list >/dev/null && fc-list ":family=$1" family | grep -q .; }

"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
has_lib 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
has_lib 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
has_lib 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
command -v fc-list >/dev/null || missing+=(fontconfig)
# fonts-noto-core: Latin, and the faces of the region's other scripts.
for family in "Noto Sans" "Noto Serif" "Noto Sans Thai" "Noto Sans Lao" "Noto Sans Khmer" \
  "Noto Sans Myanmar" "Noto Sans Sinhala" "Noto Sans Devanagari" "Noto Sans Bengali" \
  "Noto Sans Tamil" "Noto Naskh Arabic" "Noto Nastaliq Urdu"; do
  has_font "$family" || { missing+=(fonts-noto-core); break; }
done
has_font "Noto Sans CJK SC" || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null && command -v pdftotext >/dev/null || missing+=(poppler-utils)
# librsvg2-bin: rsvg-convert, with which pandoc gives the charts of a Word file a PNG for older Word
command -v rsvg-convert >/dev/null || missing+=(librsvg2-bin)
if [ "${1:-}" = "test" ]; then
  command -v strace >/dev/null || missing+=(strace)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v faketime >/dev/null || missing+=(faketime)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

command="apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "error: missing system packages: ${missing[*]} (Debian names); install them with your package manager" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo="sudo"
else
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo $command" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo $command
