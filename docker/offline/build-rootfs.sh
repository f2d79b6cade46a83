#!/usr/bin/env bash
# Copyright 2026 the PopLockGuard authors
# SPDX-License-Identifier: Apache-2.0
# Builds the root filesystem of the offline base image from what this machine has - no image registry:
# a Java runtime made with jlink from a local JDK's jmods, /bin/sh (dash) and the shared libraries both need
# (found with ldd). Writes a tarball for `docker import`.
# The processes run as the official image's unprivileged user: rocketmq, uid 3000, gid 3000, home /home/rocketmq
# (logs/ and store/ there, RocketMQ's defaults, owned by it). The image has no coreutils to create that user or chown
# anything, so the tarball records the ownership: root for everything, 3000:3000 for /home/rocketmq.
#
#   docker/offline/build-rootfs.sh OUT.tar [JDK_HOME]     (JDK_HOME defaults to $JAVA_HOME, then Java 17 under /usr/lib/jvm)
set -euo pipefail
OUT="${1:?usage: build-rootfs.sh OUT.tar [JDK_HOME]}"
JDK="${2:-${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}}"
say() { echo "build-rootfs: $*" >&2; }
# what goes into the image must be readable (libraries, the runtime) by the unprivileged user, whatever umask called us
umask 022

[ -x "$JDK/bin/jlink" ] || { say "no jlink in '$JDK' (pass a JDK home as the second argument)"; exit 1; }
[ -d "$JDK/jmods" ] || { say "'$JDK' has no jmods/ directory; jlink needs it (Debian: openjdk-17-jmods)"; exit 1; }
SH="$(readlink -f /bin/sh)"
[ -x "$SH" ] || { say "no /bin/sh on this machine"; exit 1; }

ROOT="$(mktemp -d "${TMPDIR:-/tmp}/plg-rootfs.XXXXXX")"
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,etc,tmp,opt/java,home,lib64,proc,sys,dev} && chmod 1777 "$ROOT/tmp"
# the archive's "./" becomes the image's /: mktemp made it 0700, which would shut out every user but root
chmod 0755 "$ROOT"

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

# the users, as the official image has them (Java reads user.home from here: getpwuid through glibc's files module)
printf 'root:x:0:0:root:/root:/bin/sh\nrocketmq:x:3000:3000:rocketmq:/home/rocketmq:/bin/sh\n' > "$ROOT/etc/passwd"
printf 'root:x:0:\nrocketmq:x:3000:\n' > "$ROOT/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$ROOT/etc/nsswitch.conf"
mkdir -p "$ROOT/root" "$ROOT/home/rocketmq/logs" "$ROOT/home/rocketmq/store"
chmod 0700 "$ROOT/root"
chmod 0755 "$ROOT/home" "$ROOT/home/rocketmq" "$ROOT/home/rocketmq/logs" "$ROOT/home/rocketmq/store"

"$ROOT/opt/java/openjdk/bin/java" -version >/dev/null 2>&1 || { say "the jlinked runtime does not run"; exit 1; }
# ownership is set in the archive (no chown needed here, so this runs as any user): everything root's, then the
# user's home appended with the user's ids (numeric: this machine need not have a uid 3000)
tar -C "$ROOT" --numeric-owner --owner=root:0 --group=root:0 --exclude=./home/rocketmq -cf "$OUT" .
tar -C "$ROOT" --numeric-owner --owner=rocketmq:3000 --group=rocketmq:3000 -rf "$OUT" ./home/rocketmq
say "wrote $OUT ($(du -h "$OUT" | cut -f1))"
