#!/bin/sh
# Entrypoint of the PopLockGuard images (registry-based and offline alike): starts one RocketMQ role in the foreground
# as the container's PID 1, so `docker stop` reaches the JVM and its shutdown hooks run.
#
#   namesrv [NamesrvStartup args]      e.g. namesrv -c /conf/namesrv.properties
#   broker  [BrokerStartup args]       no args: -c $ROCKETMQ_HOME/conf/broker.conf (which switches the guard on)
#   proxy   [ProxyStartup args]        e.g. proxy -pc /conf/rmq-proxy.json -pm cluster
#
# JAVA_OPT replaces the default heap settings; PLG_EXTRA_CLASSPATH appends to the classpath (more store plugins).
# Only shell built-ins are used: the offline image has nothing but /bin/sh and a Java runtime.
set -eu
role="${1:-broker}"
[ $# -gt 0 ] && shift
home="${ROCKETMQ_HOME:?ROCKETMQ_HOME is not set in this image}"
case "$role" in
  namesrv) main=org.apache.rocketmq.namesrv.NamesrvStartup ;;
  broker) main=org.apache.rocketmq.broker.BrokerStartup ;;
  proxy) main=org.apache.rocketmq.proxy.ProxyStartup ;;
  *) echo "poplockguard-entrypoint: unknown role '$role'; expected namesrv, broker or proxy" >&2; exit 2 ;;
esac
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
