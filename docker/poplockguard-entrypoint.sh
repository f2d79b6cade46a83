#!/bin/sh
# Copyright 2026 the PopLockGuard authors
# SPDX-License-Identifier: Apache-2.0
# Entrypoint of the PopLockGuard images (registry-based and offline alike). Two ways to run a container:
#
# 1. The official image's commands, unchanged (run from WORKDIR $ROCKETMQ_HOME/bin, as there):
#      sh mqnamesrv [-c namesrv.properties]
#      sh mqbroker [-n namesrv:9876] [-c broker.conf]
#      sh mqbroker --enable-proxy [-n namesrv:9876] [-c broker.conf] [-pc rmq-proxy.json]   (Local-mode proxy)
#      sh mqproxy [-n namesrv:9876] [-pc rmq-proxy.json] [-pm cluster|local] [-bc broker.conf]
#    They run as given, with one addition: a plain `mqbroker` without -c gets -c $ROCKETMQ_HOME/conf/broker.conf (the
#    file with the guard lines). RocketMQ's BrokerStartup reads no file at all without -c, so the guard would be off;
#    `mqbroker --enable-proxy` needs nothing added, its proxy reads conf/broker.conf by default. A broker.conf of your
#    own (-c) must carry the guard's two lines (messageStorePlugIn=..., popLockGuardEnable=true).
#    Any other command (sh, java, ...) runs as given too. PLG_EXTRA_CLASSPATH is appended to CLASSPATH, which the
#    run scripts append to their classpath.
#
# 2. One role per container, the JVM exec'd directly (what the harness and docker/compose.yaml use):
#      namesrv [NamesrvStartup args]      e.g. namesrv -c /conf/namesrv.properties
#      broker  [BrokerStartup args]       no args: -c $ROCKETMQ_HOME/conf/broker.conf (which switches the guard on)
#      proxy   [ProxyStartup args]        e.g. proxy -pc /conf/rmq-proxy.json -pm cluster
#    JAVA_OPT replaces the default heap settings; PLG_EXTRA_CLASSPATH appends to the classpath (more store plugins).
#
# Only shell built-ins are used: the offline image has nothing but /bin/sh and a Java runtime.
# It runs as the image's user, rocketmq (uid 3000, gid 3000), as the official image's commands do: RocketMQ writes
# its logs and store under the JVM's user.home (/home/rocketmq, or -Duser.home in JAVA_OPT), which must be writable
# by that user, as must any directory a mounted configuration names (storePathRootDir, ...).
set -eu
home="${ROCKETMQ_HOME:?ROCKETMQ_HOME is not set in this image}"
role="${1:-broker}"
case "$role" in
  namesrv) main=org.apache.rocketmq.namesrv.NamesrvStartup ;;
  broker) main=org.apache.rocketmq.broker.BrokerStartup ;;
  proxy) main=org.apache.rocketmq.proxy.ProxyStartup ;;
  *)
    script="$1"
    if [ "$1" = sh ] && [ $# -gt 1 ]; then script="$2"; fi
    if [ "${script##*/}" = mqbroker ]; then
      given=false
      for a in "$@"; do
        case "$a" in -c|--configFile|--enable-proxy) given=true ;; esac
      done
      if [ "$given" = false ]; then set -- "$@" -c "$home/conf/broker.conf"; fi
    fi
    # the distribution's run scripts (and ours) append $CLASSPATH to theirs
    if [ -n "${PLG_EXTRA_CLASSPATH:-}" ]; then
      CLASSPATH="${CLASSPATH:+$CLASSPATH:}$PLG_EXTRA_CLASSPATH"
      export CLASSPATH
    fi
    echo "poplockguard-entrypoint: $*"
    exec "$@"
    ;;
esac
[ $# -gt 0 ] && shift
# The offline image may hold a role's jars in lib/<role>/ when Maven Central has that role only in another
# version; the official image has one flat lib/ for every role.
libdir="$home/lib"
if [ "$role" != broker ] && [ -d "$home/lib/$role" ]; then
  libdir="$home/lib/$role"
fi
cp="$home/conf:$libdir/*"
if [ -n "${PLG_EXTRA_CLASSPATH:-}" ]; then
  cp="$cp:$PLG_EXTRA_CLASSPATH"
fi
if [ "$role" = broker ] && [ $# -eq 0 ]; then
  set -- -c "$home/conf/broker.conf"
fi
java="java"
if [ -n "${JAVA_HOME:-}" ]; then
  java="$JAVA_HOME/bin/java"
fi
echo "poplockguard-entrypoint: role=$role main=$main libdir=$libdir args=$*"
# JAVA_OPT is split into words on purpose: it holds several options
# shellcheck disable=SC2086
exec "$java" ${JAVA_OPT:--Xms256m -Xmx512m} -Djava.net.preferIPv4Stack=true -Drocketmq.home.dir="$home" \
  -cp "$cp" "$main" "$@"
