#!/bin/sh
# Copyright 2026 the PopLockGuard authors
# SPDX-License-Identifier: Apache-2.0
# PopLockGuard offline image: bin/runserver.sh, what mqnamesrv and mqproxy run (runbroker.sh hands over to it).
#   sh runserver.sh [JVM options] MAIN_CLASS [arguments]
# Runs java in place of this shell (exec), so the JVM is the container's PID 1 and `docker stop` reaches it (the
# distribution's scripts keep the shell as parent).
#   JAVA_OPT      replaces the default JVM options "-server -Xms256m -Xmx512m" (the distribution: 4-8 GB heaps)
#   JAVA_OPT_EXT  appended after them, as in the distribution
#   CLASSPATH     appended to the classpath, as in the distribution
# Classpath: conf/ and lib/; the offline image keeps the name server's and the proxy's jars in lib/namesrv/ and
# lib/proxy/ (Maven Central lacks those roles in some versions; the official image has one flat lib/). A Local-mode
# proxy (mqbroker --enable-proxy, or mqproxy -pm local) gets lib/ first, then lib/proxy/: the broker and the guard,
# then the proxy's own jars - of the same release only (see below).
if [ -z "${ROCKETMQ_HOME:-}" ]; then
  case "$0" in */*) d="${0%/*}" ;; *) d=. ;; esac
  ROCKETMQ_HOME="$(cd "$d/.." && pwd)"
fi
export ROCKETMQ_HOME
main=
local_mode="${PLG_LOCAL_PROXY:-false}"
prev=
for a in "$@"; do
  case "$a" in -*) ;; *) if [ -z "$main" ]; then main="$a"; fi ;; esac
  case "$prev" in -pm|--proxyMode) if [ "$a" = local ] || [ "$a" = LOCAL ]; then local_mode=true; fi ;; esac
  prev="$a"
done
if [ -z "$main" ]; then
  echo "usage: sh runserver.sh [JVM options] MAIN_CLASS [arguments]" >&2
  exit 1
fi
lib="$ROCKETMQ_HOME/lib"
cp="$lib/*"
case "$main" in
  *.NamesrvStartup) if [ -d "$lib/namesrv" ]; then cp="$lib/namesrv/*"; fi ;;
  *.ProxyStartup)
    if [ -d "$lib/proxy" ] && [ "$local_mode" = true ]; then
      # Local mode runs the proxy and the broker in one JVM, so both must be of one release. Central lacks
      # rocketmq-proxy for some versions (5.3.0, 5.3.1), whose images carry the nearest proxy in lib/proxy/: its
      # classes call methods this broker's rocketmq-common lacks (NoSuchMethodError at the first gRPC request).
      for jar in "$lib"/rocketmq-broker-*.jar; do
        v="${jar##*/rocketmq-broker-}"; v="${v%.jar}"
        if [ ! -f "$lib/proxy/rocketmq-proxy-$v.jar" ]; then
          echo "runserver.sh: Local mode (mqbroker --enable-proxy, mqproxy -pm local) needs rocketmq-proxy $v, which" \
            "Maven Central does not have, so this offline image cannot run it. Use a version whose proxy is there" \
            "(${PLG_LOCAL_MODE_VERSIONS:-see rocketmq-versions.txt: proxy = broker}), the official image" \
            "(scripts/docker-image --registry $v), or a separate proxy in cluster mode (sh mqproxy)." >&2
          exit 1
        fi
      done
      cp="$lib/*:$lib/proxy/*"
    elif [ -d "$lib/proxy" ]; then
      cp="$lib/proxy/*"
    fi ;;
esac
cp=".:$ROCKETMQ_HOME/conf:$cp"
if [ -n "${CLASSPATH:-}" ]; then cp="$cp:$CLASSPATH"; fi
java=java
if [ -n "${JAVA_HOME:-}" ]; then java="$JAVA_HOME/bin/java"; fi
# JAVA_OPT and JAVA_OPT_EXT hold several options each: split into words on purpose
# shellcheck disable=SC2086
exec "$java" ${JAVA_OPT:--server -Xms256m -Xmx512m} ${JAVA_OPT_EXT:-} -Djava.net.preferIPv4Stack=true -cp "$cp" "$@"
