package io.workerpool.bench;

/**
 * The floor of a restart: the plainest JVM start. Prints {@code <pid> <epoch nanos> <cpu nanos>} taken as
 * main() begins, the same clock and the same kind of stamp as a worker's onStart, then exits.
 */
public final class HelloWorld {
    private HelloWorld() {
    }

    public static void main(String[] args) {
        long now = Stamps.epochNanos();
        System.out.println(ProcessHandle.current().pid() + " " + now + " " + Stamps.ownCpuNanos());
    }
}
