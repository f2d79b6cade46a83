/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Every test class of this module belongs to exactly one layer, so that it runs in exactly one pass of
 * {@code mvn verify}: surefire runs {@code unit} and {@code inprocess}, failsafe runs {@code process} and
 * {@code container} (integration-tests/pom.xml). A {@code *Test} class with no layer tag would run in neither pass,
 * silently; one with two would run twice. Reads the compiled test classes next to this one (target/test-classes).
 */
@Tag("unit")
class TestLayersTest {
    /** The layers, in the order the build runs them; keep in step with the surefire and failsafe groups. */
    static final Set<String> LAYERS = Set.of("unit", "inprocess", "process", "container");

    @Test
    void everyTestClassCarriesExactlyOneLayerTag() throws Exception {
        List<String> classes = testClassNames();
        assertTrue(classes.contains(TestLayersTest.class.getName()), "the scan finds this class: " + classes);
        List<String> wrong = new ArrayList<>();
        for (String name : classes) {
            Class<?> c = Class.forName(name, false, TestLayersTest.class.getClassLoader());
            Set<String> layers = Arrays.stream(c.getAnnotationsByType(Tag.class)).map(Tag::value)
                .filter(LAYERS::contains).collect(Collectors.toCollection(TreeSet::new));
            if (layers.size() != 1) {
                wrong.add(name + " " + layers);
            }
        }
        assertTrue(wrong.isEmpty(), "test classes without exactly one of the layer tags " + LAYERS
            + " (add @Tag(\"unit\"|\"inprocess\"|\"process\"|\"container\") to the class): " + wrong);
    }

    /** Top-level classes named *Test under this class's classes directory (the surefire and failsafe includes). */
    private static List<String> testClassNames() throws IOException, URISyntaxException {
        Path root = Paths.get(TestLayersTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(root), "expected the test classes directory, got " + root);
        try (Stream<Path> files = Files.walk(root)) {
            List<String> names = files.map(p -> root.relativize(p).toString().replace('\\', '/'))
                .filter(p -> p.endsWith("Test.class") && !p.contains("$"))
                .map(p -> p.substring(0, p.length() - ".class".length()).replace('/', '.'))
                .sorted().collect(Collectors.toList());
            assertFalse(names.isEmpty(), "no test classes under " + root);
            return names;
        }
    }
}
