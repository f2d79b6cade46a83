/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.it.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One validated scenario operation: its type and its fields (strings, longs, booleans). */
public final class Op {
    private final OpType type;
    private final Map<String, Object> fields;

    Op(OpType type, Map<String, Object> fields) {
        this.type = type;
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Builds an op in code, validated like a file line. */
    public static Op of(OpType type, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", type.wireName());
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return ScenarioFile.validate(m, 0);
    }

    public OpType type() {
        return type;
    }

    public Map<String, Object> fields() {
        return fields;
    }

    public String str(String name) {
        Object v = fields.get(name);
        return v == null ? null : v.toString();
    }

    public int integer(String name, int dflt) {
        Object v = fields.get(name);
        return v == null ? dflt : ((Number) v).intValue();
    }

    public boolean bool(String name) {
        return Boolean.TRUE.equals(fields.get(name));
    }

    /** A validated copy of this op with one field set (or replaced). */
    public Op with(String name, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(fields);
        m.put(name, value);
        return ScenarioFile.validate(m, 0);
    }

    public int broker() {
        return integer("broker", 0);
    }

    public long at() {
        return integer("at", -1);
    }

    @Override
    public String toString() {
        return fields.toString();
    }
}
