/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every source file of the project carries the license header (Apache-2.0, like RocketMQ): Java, poms, scripts,
 * Dockerfiles. Walks the repository from this module's parent, skipping build output and recorded results.
 */
@Tag("unit")
class SourceHeadersTest {
    static final String SPDX = "SPDX-License-Identifier: Apache-2.0";

    @Test
    void everySourceFileCarriesTheLicenseHeader() throws IOException {
        Path repo = Paths.get("").toAbsolutePath().getParent();
        assertTrue(Files.isRegularFile(repo.resolve("LICENSE")), "expected the repository root at " + repo);
        List<Path> sources;
        try (Stream<Path> files = Files.walk(repo)) {
            sources = files.filter(Files::isRegularFile).filter(p -> isSource(repo.relativize(p)))
                .collect(Collectors.toList());
        }
        assertTrue(sources.size() > 100, "the walk finds the sources: " + sources.size());
        List<Path> missing = sources.stream().filter(p -> !headerOf(p).contains(SPDX)).map(repo::relativize)
            .collect(Collectors.toList());
        assertTrue(missing.isEmpty(), "files without the '" + SPDX + "' header in their first lines: " + missing);
    }

    /** Source code we wrote: Java, poms, shell and Python scripts, Dockerfiles; not build output or results. */
    static boolean isSource(Path rel) {
        String path = rel.toString().replace('\\', '/');
        if (path.startsWith(".") && !path.startsWith(".ci/") || path.contains("/target/") || path.startsWith("target/")
            || path.startsWith("bench-results/")) {
            return false;
        }
        String name = rel.getFileName().toString();
        return name.endsWith(".java") || name.equals("pom.xml") || name.endsWith(".sh") || name.endsWith(".py")
            || name.equals("Dockerfile") || path.startsWith("scripts/") || path.startsWith(".ci/")
            || path.startsWith("docker/offline/bin/");
    }

    private static String headerOf(Path p) {
        try {
            byte[] bytes = Files.readAllBytes(p);
            return new String(bytes, 0, Math.min(bytes.length, 400), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
