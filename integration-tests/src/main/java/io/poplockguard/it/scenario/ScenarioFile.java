/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scenario file format: JSON lines, one op per line ({@code {"op":"produce","topic":"t","count":8}}), blank lines
 * and lines starting with # ignored. A whole file is validated before anything runs: an unknown op, a missing, unknown
 * or mistyped field, or a malformed line fails naming the line number and the field.
 */
public final class ScenarioFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ScenarioFile() {
    }

    public static List<Op> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        try {
            return parse(lines);
        } catch (ScenarioFormatException e) {
            throw new ScenarioFormatException(file + ":" + e.getMessage());
        }
    }

    public static List<Op> parse(List<String> lines) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Map<String, Object> m;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> parsed = JSON.readValue(line, LinkedHashMap.class);
                m = parsed;
            } catch (JsonProcessingException e) {
                throw new ScenarioFormatException("line " + (i + 1) + ": malformed JSON: " + e.getOriginalMessage());
            }
            ops.add(validate(m, i + 1));
        }
        return ops;
    }

    static Op validate(Map<String, Object> m, int lineNo) {
        String where = "line " + lineNo + ": ";
        Object opName = m.get("op");
        if (!(opName instanceof String)) {
            throw new ScenarioFormatException(where + "field 'op' is missing or not a string (ops: " + OpType.wireNames() + ")");
        }
        OpType type = OpType.byWireName((String) opName);
        if (type == null) {
            throw new ScenarioFormatException(where + "unknown op '" + opName + "' (ops: " + OpType.wireNames() + ")");
        }
        for (String key : m.keySet()) {
            if (!type.fieldNames().contains(key)) {
                throw new ScenarioFormatException(where + "op " + opName + " has no field '" + key + "' (fields: "
                    + type.fieldNames() + ")");
            }
        }
        checkType(m, "at", 'i', true, where, opName);
        checkType(m, "broker", 'i', true, where, opName);
        for (String spec : type.fields()) {
            String name = spec.substring(0, spec.indexOf(':'));
            char kind = spec.charAt(spec.indexOf(':') + 1);
            checkType(m, name, kind, spec.endsWith("?"), where, opName);
        }
        return new Op(type, m);
    }

    private static void checkType(Map<String, Object> m, String name, char kind, boolean optional, String where,
        Object op) {
        Object v = m.get(name);
        if (v == null) {
            if (!optional) {
                throw new ScenarioFormatException(where + "op " + op + " needs field '" + name + "'");
            }
            return;
        }
        boolean ok = kind == 's' ? v instanceof String
            : kind == 'i' ? (v instanceof Integer || v instanceof Long) && ((Number) v).longValue() >= 0
            : v instanceof Boolean;
        if (!ok) {
            String want = kind == 's' ? "a string" : kind == 'i' ? "a whole number >= 0" : "true or false";
            throw new ScenarioFormatException(where + "field '" + name + "' of op " + op + " must be " + want
                + ", got " + v);
        }
    }

    /** One op as a file line, with its start time relative to the scenario's start. */
    public static String line(Op op, long atMs) {
        Map<String, Object> m = new LinkedHashMap<>(op.fields());
        m.put("at", atMs);
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A scenario file was rejected; the message names the line and the field. */
    public static final class ScenarioFormatException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ScenarioFormatException(String message) {
            super(message);
        }
    }
}
