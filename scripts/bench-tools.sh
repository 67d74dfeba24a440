#!/usr/bin/env bash
# Obtains librdkafka's load generator, rdkafka_performance, for the macro benchmarks (bench/macro).
#
# Debian ships librdkafka (the library kcat and confluent-kafka use) but not its example programs,
# so this fetches Debian's librdkafka source package and compiles examples/rdkafka_performance.c
# against the INSTALLED library: the load generator is exactly the client code users run here.
#
#   bash scripts/bench-tools.sh            # prints the binary's path; builds it once, then cached
#   BENCH_TOOLS_DIR=/some/dir bash ...     # cache elsewhere (default bench/.tools, gitignored)
#
# Needs root (apt-get) the first time unless librdkafka1 and a source tree are already there.
# Idempotent: an existing working binary is reused. Fails with one clear line when impossible.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${BENCH_TOOLS_DIR:-$PWD/bench/.tools}"
BIN="$TOOLS/rdkafka_performance"
SOURCES_FILE=/etc/apt/sources.list.d/gregor-bench-deb-src.sources

die() { echo "bench-tools: $*" >&2; exit 1; }
log() { echo "bench-tools: $*" >&2; }

if [ -x "$BIN" ] && case "$("$BIN" -h 2>&1 || true)" in *"librdkafka version"*) true ;; *) false ;; esac; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$TOOLS"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: a Debian-based machine is needed to build rdkafka_performance"
command -v cc >/dev/null 2>&1 || die "no C compiler (cc); install build-essential"
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else die "needs root for: $*"; fi
}

# 1. The library itself (what kcat and confluent-kafka link against).
if ! ldconfig -p | grep -q 'librdkafka\.so\.1 '; then
  log "installing librdkafka1"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq librdkafka1 >/dev/null \
    || die "could not install librdkafka1 from Debian's repositories"
fi
LIBVER="$(dpkg-query -W -f='${Version}' librdkafka1 2>/dev/null || true)"
[ -n "$LIBVER" ] || die "librdkafka1 is not installed as a Debian package"
UPSTREAM="${LIBVER%-*}"; UPSTREAM="${UPSTREAM#*:}"

# 2. The source package of the same version (needs a deb-src entry; added once, beside the others).
SRC="$(ls -d "$TOOLS"/librdkafka-"$UPSTREAM" 2>/dev/null || true)"
if [ -z "$SRC" ]; then
  if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding a deb-src entry ($SOURCES_FILE)"
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
    [ -n "$codename" ] || die "cannot tell the Debian release (VERSION_CODENAME) to add a deb-src entry"
    as_root tee "$SOURCES_FILE" >/dev/null <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    as_root apt-get update -qq || die "apt-get update failed after adding the deb-src entry"
  fi
  command -v dpkg-source >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >/dev/null
  log "fetching Debian's librdkafka source ($LIBVER)"
  (cd "$TOOLS" && apt-get source -qq "librdkafka=$LIBVER" >/dev/null 2>&1 || apt-get source -qq librdkafka >/dev/null) \
    || die "apt-get source librdkafka failed (no deb-src entry reachable?)"
  SRC="$(ls -d "$TOOLS"/librdkafka-*/ 2>/dev/null | head -n1)"
  SRC="${SRC%/}"
  [ -n "$SRC" ] && [ -f "$SRC/examples/rdkafka_performance.c" ] || die "source tree without examples/rdkafka_performance.c"
fi

# 3. Compile against the installed library. The public header comes from librdkafka-dev when it is
#    installed, otherwise from the source tree of the same version (the ABI is the library's).
SO="$(ldconfig -p | awk '/librdkafka\.so\.1 / {print $NF; exit}')"
[ -n "$SO" ] || die "librdkafka.so.1 not found by ldconfig"
INC="$TOOLS/include"
mkdir -p "$INC/librdkafka"
if [ -f /usr/include/librdkafka/rdkafka.h ]; then
  cp /usr/include/librdkafka/rdkafka.h "$INC/librdkafka/rdkafka.h"
else
  cp "$SRC/src/rdkafka.h" "$INC/librdkafka/rdkafka.h"
fi
cp "$INC/librdkafka/rdkafka.h" "$INC/rdkafka.h"
# rdkafka_performance.c includes librdkafka's internal rd.h (inline helpers only), which needs the
# config.h that the source tree's own configure writes; configure runs offline, nothing is built.
if [ ! -f "$SRC/config.h" ]; then
  log "configuring the source tree (for config.h)"
  (cd "$SRC" && ./configure --disable-ssl --disable-gssapi --disable-sasl --disable-zstd --disable-lz4-ext --disable-curl >"$TOOLS/configure.log" 2>&1) \
    || die "librdkafka's configure failed, see $TOOLS/configure.log"
fi
log "compiling $SRC/examples/rdkafka_performance.c against $SO"
cc -O2 -w -I"$INC" -I"$SRC/src" -o "$BIN.tmp" "$SRC/examples/rdkafka_performance.c" "$SO" -lpthread -lm -lz \
  || die "compiling rdkafka_performance.c failed"
mv "$BIN.tmp" "$BIN"
case "$("$BIN" -h 2>&1 || true)" in *"librdkafka version"*) true ;; *) false ;; esac || die "built $BIN but it does not run"
echo "$BIN"
