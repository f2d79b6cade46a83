/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.broker;

/**
 * Lets tests in other packages (the in-process suites re-run on every version) set the plugin's install-step probe,
 * which is package-private so that it is no part of the plugin's API.
 */
public final class InstallProbes {
    private InstallProbes() {
    }

    /** Called before each install step and before each undo of one; what it throws is that step's (undo's) failure. */
    public interface Probe {
        void beforeStep(String step) throws Exception;

        default void beforeUndo(String step) throws Exception {
        }
    }

    /** Null removes the probe. */
    public static void set(Probe probe) {
        PopLockGuardPlugin.stepProbe = probe == null ? null : new PopLockGuardPlugin.StepProbe() {
            @Override
            public void beforeStep(String step) throws Exception {
                probe.beforeStep(step);
            }

            @Override
            public void beforeUndo(String step) throws Exception {
                probe.beforeUndo(step);
            }
        };
    }
}
