#!/usr/bin/env bash
# Debian packages the product needs beside Python: Pango and fonts for the PDF report (WeasyPrint); and for the
# tests, headless Chromium (the dataviz test) and eatmydata (`make test` runs pytest without fsync: Makefile).
# Installs only what is missing (as root, or through sudo).
set -euo pipefail
SYSTEM_PACKAGES=(chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core eatmydata)
missing=()
for package in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
