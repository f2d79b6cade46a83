/*
 * Copyright 2026 the PopLockGuard authors
 * SPDX-License-Identifier: Apache-2.0
 */
package io.poplockguard.cli;

import com.alibaba.fastjson2.JSON;
import com.alibaba.fastjson2.JSONObject;
import io.poplockguard.broker.lock.LockKey;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;

/**
 * scripts/poplock: the pop locks of a broker with PopLockGuard, from the command line.
 * <pre>
 *   poplock [options] locks | stats | watch [--interval MS] [--count N] | release --key KEY
 * </pre>
 * User errors (bad arguments, unreachable broker, no plugin, refused release) print one line, never a stack trace.
 */
public final class PopLock {
    static final String USAGE = String.join("\n",
        "usage: poplock [--broker HOST:PORT] [--timeout MS] [--access-key AK --secret-key SK] [--json] COMMAND",
        "commands:",
        "  locks                               the held pop locks, longest held first",
        "  stats                               counters (acquired, contended, reclaimed by cause, stray unlocks) and hold times",
        "  watch [--interval MS] [--count N]   locks and counters, refreshed every MS (default 2000) until Ctrl-C or N times",
        "  release --key KEY                   forced release of one lock: TOPIC@GROUP@QUEUEID (a queue lock)",
        "                                      or GROUP@TOPIC (a RocksDB pop path consumer lock); the broker must have",
        "                                      popLockGuardAllowForceRelease=true; with ACL on, an admin account)",
        "options: --broker defaults to $POPLOCK_BROKER or 127.0.0.1:10911; --json prints the broker's JSON");

    private String broker = System.getenv().getOrDefault("POPLOCK_BROKER", "127.0.0.1:10911");
    private long timeoutMs = 5_000;
    private String accessKey;
    private String secretKey;
    private boolean json;
    private String command;
    private String key;
    private long intervalMs = 2_000;
    private long count = Long.MAX_VALUE;

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit code (0 ok, 1 failed, 2 bad usage). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        PopLock cli = new PopLock();
        try {
            cli.parse(args);
        } catch (UsageException e) {
            err.println("poplock: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if ("help".equals(cli.command)) {
            out.println(USAGE);
            return 0;
        }
        try (AdminClient client = new AdminClient(cli.broker, cli.timeoutMs, cli.accessKey, cli.secretKey)) {
            cli.execute(client, out);
            return 0;
        } catch (CliFailure e) {
            err.println("poplock: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    void parse(String[] args) throws UsageException {
        Deque<String> a = new ArrayDeque<>(Arrays.asList(args));
        while (!a.isEmpty()) {
            String arg = a.poll();
            switch (arg) {
                case "--broker":
                    broker = value(a, arg);
                    if (!broker.matches("[^:\\s]+:\\d{1,5}")) {
                        throw new UsageException("--broker '" + broker + "' is not HOST:PORT");
                    }
                    break;
                case "--timeout":
                    timeoutMs = number(a, arg, 1, 600_000);
                    break;
                case "--access-key":
                    accessKey = value(a, arg);
                    break;
                case "--secret-key":
                    secretKey = value(a, arg);
                    break;
                case "--json":
                    json = true;
                    break;
                case "--key":
                    key = value(a, arg);
                    break;
                case "--interval":
                    intervalMs = number(a, arg, 100, 3_600_000);
                    break;
                case "--count":
                    count = number(a, arg, 1, Long.MAX_VALUE);
                    break;
                case "-h":
                case "--help":
                case "help":
                    command = "help";
                    return;
                default:
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option '" + arg + "'");
                    }
                    if (command != null) {
                        throw new UsageException("one command at a time (got '" + command + "' and '" + arg + "')");
                    }
                    command = arg;
            }
        }
        if (command == null) {
            throw new UsageException("no command given");
        }
        if (!Arrays.asList("locks", "stats", "watch", "release").contains(command)) {
            throw new UsageException("unknown command '" + command + "'");
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new UsageException("--access-key and --secret-key go together");
        }
        if ("release".equals(command)) {
            if (key == null) {
                throw new UsageException("release needs --key TOPIC@GROUP@QUEUEID or GROUP@TOPIC");
            }
            try {
                LockKey.parse(key);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--key: " + e.getMessage());
            }
        } else if (key != null) {
            throw new UsageException("--key only goes with release");
        }
    }

    private void execute(AdminClient client, PrintStream out) throws CliFailure, InterruptedException {
        switch (command) {
            case "locks":
                print(out, client.lockTable(), true);
                break;
            case "stats":
                print(out, client.lockTable(), false);
                break;
            case "watch":
                for (long i = 0; i < count; i++) {
                    if (i > 0) {
                        Thread.sleep(intervalMs);
                    }
                    if (!json) {
                        out.print("\033[H\033[2J"); // clear the terminal between frames
                        out.println("every " + intervalMs + " ms, broker " + broker);
                    }
                    String table = client.lockTable();
                    print(out, table, true);
                    if (!json) {
                        out.print(LockTableText.stats(JSON.parseObject(table)));
                    }
                    out.flush();
                }
                break;
            case "release":
                String result = client.forceRelease(key);
                out.println(json ? "{\"released\":\"" + key.replace("\"", "\\\"") + "\",\"result\":\""
                    + String.valueOf(result).replace("\"", "\\\"") + "\"}" : "released " + key + ": " + result);
                break;
            default:
                throw new IllegalStateException(command);
        }
    }

    private void print(PrintStream out, String table, boolean locks) {
        if (json) {
            out.println(table);
            return;
        }
        JSONObject t = JSON.parseObject(table);
        out.print(locks ? LockTableText.locks(t) : LockTableText.stats(t));
    }

    private static String value(Deque<String> a, String option) throws UsageException {
        String v = a.poll();
        if (v == null || v.startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return v;
    }

    private static long number(Deque<String> a, String option, long min, long max) throws UsageException {
        String v = value(a, option);
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new UsageException(option + " " + v + " is out of range " + min + ".." + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " '" + v + "' is not a number");
        }
    }
}
