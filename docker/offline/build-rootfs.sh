#!/usr/bin/env bash
# Builds the root filesystem of the offline base image from what this machine has - no image registry:
# a Java runtime made with jlink from a local JDK's jmods, /bin/sh (dash) and the shared libraries both need
# (found with ldd). Writes a tarball for `docker import`.
#
#   docker/offline/build-rootfs.sh OUT.tar [JDK_HOME]     (JDK_HOME defaults to $JAVA_HOME, then Java 17 under /usr/lib/jvm)
set -euo pipefail
OUT="${1:?usage: build-rootfs.sh OUT.tar [JDK_HOME]}"
JDK="${2:-${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}}"
say() { echo "build-rootfs: $*" >&2; }

[ -x "$JDK/bin/jlink" ] || { say "no jlink in '$JDK' (pass a JDK home as the second argument)"; exit 1; }
[ -d "$JDK/jmods" ] || { say "'$JDK' has no jmods/ directory; jlink needs it (Debian: openjdk-17-jmods)"; exit 1; }
SH="$(readlink -f /bin/sh)"
[ -x "$SH" ] || { say "no /bin/sh on this machine"; exit 1; }

ROOT="$(mktemp -d "${TMPDIR:-/tmp}/plg-rootfs.XXXXXX")"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,etc,tmp,opt/java,home,lib64,proc,sys,dev} && chmod 1777 "$ROOT/tmp"

say "jlink: every module of $JDK (a broker and its plugins may use any of them)"
"$JDK/bin/jlink" --module-path "$JDK/jmods" --add-modules ALL-MODULE-PATH --strip-debug --no-man-pages \
  --no-header-files --compress=2 --output "$ROOT/opt/java/openjdk"
cp "$SH" "$ROOT/bin/sh"

# Shared libraries: everything the shell and the runtime's own libraries link against (only those found on this
# machine: the few desktop libraries a headless broker never loads may be missing).
libs() { ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^\s*\/lib/{print $1}'; }
{ libs "$SH"; libs "$ROOT/opt/java/openjdk/bin/java"
  find "$ROOT/opt/java/openjdk" -name '*.so' | while read -r so; do libs "$so"; done; } | sort -u |
while read -r lib; do
  [ -e "$lib" ] || continue
  case "$lib" in "$ROOT"*) continue ;; esac # the runtime's own libraries are already in place
  mkdir -p "$ROOT$(dirname "$lib")"
  cp -L "$lib" "$ROOT$lib"
done
# The C runtime libraries that JNI code inside the jars may load (netty-tcnative in the proxy needs librt and libcrypt, RocksDB
# libstdc++): glibc's whole set, the GCC runtime, libstdc++ and zlib, as a regular distribution image has them.
for pattern in 'libc.so*' 'libm.so*' 'libdl.so*' 'libpthread.so*' 'librt.so*' 'libresolv.so*' 'libutil.so*' \
               'libanl.so*' 'libcrypt.so*' 'libnss_*.so*' 'libgcc_s.so*' 'libstdc++.so*' 'libz.so*'; do
  for lib in /lib/x86_64-linux-gnu/$pattern /usr/lib/x86_64-linux-gnu/$pattern; do
    [ -e "$lib" ] || continue
    mkdir -p "$ROOT$(dirname "$lib")"
    cp -L "$lib" "$ROOT$lib"
  done
done
# the dynamic loader, at the path every binary names
cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/lib64/"
mkdir -p "$ROOT/usr/lib64" && cp -L /lib64/ld-linux-x86-64.so.2 "$ROOT/usr/lib64/" 2>/dev/null || true

printf 'root:x:0:0:root:/root:/bin/sh\nrocketmq:x:3000:3000:rocketmq:/home/rocketmq:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nrocketmq:x:3000:\n' > "$ROOT/etc/group"
printf 'hosts: files dns\n' > "$ROOT/etc/nsswitch.conf"
mkdir -p "$ROOT/root" "$ROOT/home/rocketmq"

"$ROOT/opt/java/openjdk/bin/java" -version >/dev/null 2>&1 || { say "the jlinked runtime does not run"; exit 1; }
tar -C "$ROOT" -cf "$OUT" .
say "wrote $OUT ($(du -h "$OUT" | cut -f1))"
