#!/bin/sh
# Copyright 2026 the PopLockGuard authors
# SPDX-License-Identifier: Apache-2.0
# PopLockGuard offline image: bin/runbroker.sh, what mqbroker runs. The distribution's runbroker.sh differs from its
# runserver.sh only in JVM tuning (8 GB heap, G1 options); here both take the same defaults, so this one hands over.
#   sh runbroker.sh [JVM options] MAIN_CLASS [arguments]
# ProxyStartup here is mqbroker --enable-proxy, a Local-mode proxy (it adds -pm local; runserver.sh is told so too,
# in case -pm was given twice).
PLG_LOCAL_PROXY=true exec sh "${0%runbroker.sh}runserver.sh" "$@"
