/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import org.testcontainers.DockerClientFactory;

/**
 * Checks, before any container is made, that a Docker engine is reachable and that Testcontainers is set up for a
 * machine without registry access; otherwise fails with one message that says what to run next.
 */
public final class DockerEngine {
    private DockerEngine() {
    }

    public static void require() {
        if (!"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_RYUK_DISABLED"))
            || !"true".equalsIgnoreCase(System.getenv("TESTCONTAINERS_CHECKS_DISABLE"))
            || !"127.0.0.1".equals(System.getenv("TESTCONTAINERS_HOST_OVERRIDE"))) {
            throw new IllegalStateException("Testcontainers is not set up for this harness: set "
                + "TESTCONTAINERS_RYUK_DISABLED=true and TESTCONTAINERS_CHECKS_DISABLE=true (it would pull its helper "
                + "images, and there is no registry; the harness removes its own containers) and "
                + "TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 (host networking, no bridge). The Maven build and the "
                + "scripts set all three.");
        }
        boolean ok;
        String why = "";
        try {
            ok = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            ok = false;
            why = " (" + e.getMessage() + ")";
        }
        if (!ok) {
            String host = System.getenv("DOCKER_HOST");
            throw new IllegalStateException("NO DOCKER ENGINE REACHABLE at "
                + (host == null ? "the default socket (DOCKER_HOST is not set)" : "DOCKER_HOST=" + host) + why
                + ". Next: eval \"$(scripts/docker-engine start)\" and run again, or run scripts/test, which does it.");
        }
    }
}
