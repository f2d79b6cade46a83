/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Many brokers run on JDK 8: every class of the shipped jar must be class-file version 52. */
@Tag("unit")
class Java8BytecodeTest {
    @Test
    void everyShippedClassIsJava8() throws IOException {
        Path classes = Paths.get("target", "classes");
        List<Path> files;
        try (Stream<Path> s = Files.walk(classes)) {
            files = s.filter(p -> p.toString().endsWith(".class")).collect(Collectors.toList());
        }
        assertTrue(files.size() > 20, "found the compiled classes: " + files.size());
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f); DataInputStream d = new DataInputStream(in)) {
                assertEquals(0xCAFEBABE, d.readInt());
                d.readUnsignedShort();
                assertEquals(52, d.readUnsignedShort(), f + " is not Java 8 bytecode");
            }
        }
    }
}
