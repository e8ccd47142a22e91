package io.workerpool.internal.wire;

import java.time.Duration;
import java.util.Map;

/**
 * The environment variables by which the master marks a worker JVM and tells it how to reach home.
 * The environment, unlike the command line, is not visible to other users in {@code ps}.
 */
public final class WorkerEnvironment {
    /** Path of the master's worker-channel socket (a Unix domain socket); its presence marks a worker JVM. */
    public static final String CHANNEL_SOCKET = "WORKERPOOL_CHANNEL_SOCKET";
    /** The worker's id. */
    public static final String WORKER_ID = "WORKERPOOL_WORKER_ID";
    /** A per-worker secret the worker presents in its hello, so that only the master's own children connect. */
    public static final String SECRET = "WORKERPOOL_SECRET";
    /** Heartbeat timeout in milliseconds; the worker beats four times per timeout. */
    public static final String WORKER_TIMEOUT_MS = "WORKERPOOL_WORKER_TIMEOUT_MS";
    /** Where the worker fetches the pool's listening socket (SCM_RIGHTS), when the pool has one. */
    public static final String HANDOFF_SOCKET = "WORKERPOOL_HANDOFF_SOCKET";
    /** The master's pid, to check that the parent is still the master right after start. */
    public static final String MASTER_PID = "WORKERPOOL_MASTER_PID";
    /**
     * Set to 1 in the JVM that trains the workers' AOT cache: it boots as a hot spare does (connects, gets the
     * shared socket), also does the native set-up a worker defers, then exits without running the factory.
     */
    public static final String AOT_TRAINING = "WORKERPOOL_AOT_TRAINING";
    /** Set to 1 when the master started the worker with its parent-death signal armed (setpriv --pdeathsig). */
    public static final String PARENT_DEATH_ARMED = "WORKERPOOL_PDEATHSIG_ARMED";

    private WorkerEnvironment() {
    }

    public static boolean isWorkerProcess() {
        return System.getenv(CHANNEL_SOCKET) != null;
    }

    /**
     * The settings a worker reads from its environment.
     *
     * @param handoffSocket null when the pool shares no listening socket
     * @param aotTraining this JVM trains the workers' AOT cache instead of serving as a worker
     * @param parentDeathArmed the master armed this JVM's parent-death signal before it started
     */
    public record Settings(String channelSocket, int workerId, String secret, Duration workerTimeout, long masterPid,
                           String handoffSocket, boolean aotTraining, boolean parentDeathArmed) {
        public static Settings fromEnvironment(Map<String, String> env) {
            String socket = env.get(CHANNEL_SOCKET);
            if (socket == null || socket.isBlank()) {
                throw new IllegalStateException(CHANNEL_SOCKET + " is blank");
            }
            return new Settings(socket, parseInt(env, WORKER_ID), env.getOrDefault(SECRET, ""),
                    Duration.ofMillis(parseLong(env, WORKER_TIMEOUT_MS)), parseLong(env, MASTER_PID),
                    env.get(HANDOFF_SOCKET), "1".equals(env.get(AOT_TRAINING)),
                    "1".equals(env.get(PARENT_DEATH_ARMED)));
        }

        private static int parseInt(Map<String, String> env, String name) {
            long value = parseLong(env, name);
            if (value != (int) value) {
                throw new IllegalStateException(name + " is out of range (" + value + ")");
            }
            return (int) value;
        }

        private static long parseLong(Map<String, String> env, String name) {
            String value = env.get(name);
            try {
                return Long.parseLong(value);
            } catch (NumberFormatException | NullPointerException e) {
                throw new IllegalStateException(value == null ? name + " is not set"
                        : name + " is not a number (" + value + ")");
            }
        }
    }
}
