/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The docker command line, for what the harness does once per image (import, build, inspect). Containers themselves
 * are run through Testcontainers. Every failure names the command and shows its output.
 */
final class DockerCli {
    private DockerCli() {
    }

    /** Runs {@code docker args...}; returns its output, or throws with the output when it fails. */
    static String run(Path workDir, long timeoutMinutes, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("plg-docker-", ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            // the classic builder: it needs no BuildKit front-end image, so nothing is pulled
            pb.environment().put("DOCKER_BUILDKIT", "0");
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                throw new IOException("cannot run the docker client (" + e.getMessage() + "); install Docker or run "
                    + "scripts/docker-engine start", e);
            }
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeoutMinutes + " min");
            }
            String output = new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** The value of one label of a local image, "" when the label is absent, null when the image is. */
    static String imageLabel(String image, String label) throws InterruptedException {
        try {
            String v = run(null, 1, "image", "inspect", "--format",
                "{{ index .Config.Labels \"" + label + "\" }}", image).trim();
            return "<no value>".equals(v) ? "" : v;
        } catch (IOException e) {
            return null;
        }
    }
}
