#!/usr/bin/env bash
# Installs the Debian packages the browser, PostgreSQL and Redis tests need, and
# those the partner report's PDF needs (WeasyPrint: Pango, HarfBuzz, fontconfig,
# and the DejaVu and Liberation fonts its stylesheet names), when we are root on
# Debian and they are missing. Prints what is missing otherwise.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
ldconfig -p 2>/dev/null | grep -q libpango-1.0.so || need+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so || need+=(libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset.so || need+=(libharfbuzz-subset0)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need+=(fonts-liberation)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "missing system packages: ${need[*]} (install them with apt-get as root)" >&2
  exit 1
fi
