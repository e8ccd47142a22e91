package io.workerpool.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.PoolConfig;

import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.wire.Message;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core as a function (issue 11): events in, commands out, no process, no clock. The simulation
 * ({@link PoolSimulationTest}) tries the orderings; these pin down a few decisions one command at a time.
 */
class PoolCoreTest {
    private static final long MS = 1_000_000L;

    private final PoolCore core = new PoolCore(PoolConfig.builder().workerIds(List.of(0, 1))
            .checkInterval(Duration.ofMillis(200)).workerTimeout(Duration.ofSeconds(2))
            .stopTimeout(Duration.ofSeconds(1)).build(), null, null, 42);

    @Test
    void startSpawnsOneJvmPerIdAndTheirResultsComeBackAsEvents() {
        List<Command.Spawn> spawns = spawns(core.start(List.of(0, 1), 1_000 * MS, false));
        assertThat(spawns).extracting(Command.Spawn::role).containsExactly(new Role.Worker(0), new Role.Worker(1));
        assertThat(core.toString()).isEqualTo("pool [RUNNING] [worker 0 [STARTING] (pid not yet known),"
                + " worker 1 [STARTING] (pid not yet known)]");
        core.handle(new PoolEvent.JvmSpawned(spawns.get(0).generation(), 4242, List.of()), 1_001 * MS);
        assertThat(core.slot(0).toString()).isEqualTo("worker 0 [STARTING] (pid 4242)");
        assertThat(core.isWorkerPid(4242)).isTrue();
    }

    @Test
    void aQuickExitBacksOffThenTheRestartTimerServesTheIdAgain() {
        List<Command.Spawn> spawns = spawns(core.start(List.of(0, 1), 1_000 * MS, false));
        long generation = spawns.get(0).generation();
        core.handle(new PoolEvent.JvmSpawned(generation, 4242, List.of()), 1_000 * MS);
        List<Command> exit = core.handle(new PoolEvent.WorkerExited(0, generation, 1, false, null,
                PoolEvent.Stderr.NONE), 1_100 * MS);
        assertThat(spawns(exit)).isEmpty();
        PoolEvent.RestartDue due = exit.stream().filter(PoolCoreTest::isRestartDue)
                .map(c -> (PoolEvent.RestartDue) ((Command.Arm) c).event()).findFirst().orElseThrow();
        assertThat(exit).contains(new Command.Arm(Duration.ofMillis(100), due));
        assertThat(core.slot(0).phase()).isInstanceOf(WorkerSlot.Phase.Backoff.class);
        assertThat(spawns(core.handle(due, 1_200 * MS))).extracting(Command.Spawn::role)
                .containsExactly(new Role.Worker(0));
    }

    @Test
    void aWorkersUptimeIsCountedFromWhenItsStartedWasReadNotFromWhenABusyLoopGotToIt() {
        // Read at 1.0 s, handled at 1.5 s (a busy loop); the exit seen at 2.2 s, handled at 2.3 s: it ran 1.2 s
        // after it started, past the 1 s that makes an exit quick, so it is served again at once. (Counted
        // from the handling of "started", it ran 0.8 s, and was put in backoff: a restart storm test failed so
        // on a loaded machine.)
        long generation = worker0ConnectedAtOneSecond();
        core.handle(new PoolEvent.WorkerSaid(0, generation, new Message.Started(), 1_000 * MS), 1_500 * MS);
        List<Command> exit = core.handle(new PoolEvent.WorkerExited(0, generation, 0, false, null,
                PoolEvent.Stderr.NONE, 2_200 * MS), 2_300 * MS);
        assertThat(spawns(exit)).extracting(Command.Spawn::role).containsExactly(new Role.Worker(0));
        assertThat(exit).noneMatch(PoolCoreTest::isRestartDue);
    }

    @Test
    void aStartedTimeBeforeTheSpawnIsTakenAsTheSpawn() {
        // The reader passes the worker's own send time; a claim earlier than the spawn cannot make a quick exit
        // look like a long run.
        long generation = worker0ConnectedAtOneSecond();
        core.handle(new PoolEvent.WorkerSaid(0, generation, new Message.Started(), -50_000 * MS), 1_100 * MS);
        List<Command> exit = core.handle(new PoolEvent.WorkerExited(0, generation, 0, false, null,
                PoolEvent.Stderr.NONE, 1_500 * MS), 1_500 * MS);
        assertThat(exit).as("0.5 s after its spawn: a quick exit, backed off")
                .anyMatch(PoolCoreTest::isRestartDue);
    }

    @Test
    void aJvmSlowToBootIsGivenTheBootAllowanceNotJustWorkerTimeoutThenHeartbeatsCountAgain() {
        // workerTimeout is 2 s here. Under load a JVM took 4.5 s from spawn to its hello: killing it as frozen at
        // 2 s killed its replacement too, and so on. Until its first frame it gets 10 s; after, workerTimeout.
        List<Command.Spawn> spawns = spawns(core.start(List.of(0, 1), 1_000 * MS, false));
        long slow = spawns.get(0).generation();
        long fast = spawns.get(1).generation();
        core.handle(new PoolEvent.JvmSpawned(slow, 4242, List.of()), 1_000 * MS);
        core.handle(new PoolEvent.JvmSpawned(fast, 4343, List.of()), 1_000 * MS);
        core.handle(new PoolEvent.WorkerConnected(1, fast, (WorkerChannel) null), 1_100 * MS);
        java.util.Map<Long, PoolEvent.Reading> readings = java.util.Map.of(fast,
                new PoolEvent.Reading(1_100 * MS, -1, null));

        List<Command> at6s = core.handle(new PoolEvent.Tick(readings, false), 6_000 * MS);
        assertThat(at6s).as("at 6 s: the booting JVM is left alone, the connected one silent for 4.9 s is not")
                .contains(new Command.Signal(fast, Posix.SIGQUIT))
                .doesNotContain(new Command.Signal(slow, Posix.SIGQUIT));
        assertThat(core.handle(new PoolEvent.Tick(readings, false), 10_900 * MS))
                .doesNotContain(new Command.Signal(slow, Posix.SIGQUIT));
        assertThat(core.handle(new PoolEvent.Tick(readings, false), 11_100 * MS)).as("past 10 s since its spawn")
                .contains(new Command.Signal(slow, Posix.SIGQUIT));
    }

    @Test
    void aStopAsksEveryJvmAndNothingIsSpawnedAfterIt() {
        List<Command.Spawn> spawns = spawns(core.start(List.of(0, 1), 1_000 * MS, false));
        spawns.forEach(s -> core.handle(new PoolEvent.JvmSpawned(s.generation(), 100 + s.generation(), List.of()),
                1_000 * MS));
        core.handle(new PoolEvent.WorkerConnected(0, spawns.get(0).generation(), (WorkerChannel) null),
                1_010 * MS);
        List<Command> stop = core.handle(new PoolEvent.StopRequested(true, "SIGINT"), 1_020 * MS);
        assertThat(stop).anyMatch(c -> c instanceof Command.Send s && s.message() instanceof Message.Interrupt);
        assertThat(stop).contains(new Command.Signal(spawns.get(1).generation(), Posix.SIGINT)); // not connected
        assertThat(stop).contains(new Command.Arm(Duration.ofSeconds(1), new PoolEvent.StopDeadline()));
        List<Command> exit = core.handle(new PoolEvent.WorkerExited(0, spawns.get(0).generation(), 0, false, null,
                PoolEvent.Stderr.NONE), 1_030 * MS);
        assertThat(spawns(exit)).isEmpty();
        core.handle(new PoolEvent.WorkerExited(1, spawns.get(1).generation(), 130, true, null,
                PoolEvent.Stderr.NONE), 1_040 * MS);
        assertThat(core.state()).isEqualTo(PoolState.STOPPED);
    }

    /** Starts the pool at 1 s; worker 0's JVM is spawned (pid 4242) and connected then. Its generation. */
    private long worker0ConnectedAtOneSecond() {
        long generation = spawns(core.start(List.of(0, 1), 1_000 * MS, false)).get(0).generation();
        core.handle(new PoolEvent.JvmSpawned(generation, 4242, List.of()), 1_000 * MS);
        core.handle(new PoolEvent.WorkerConnected(0, generation, (WorkerChannel) null), 1_000 * MS);
        return generation;
    }

    private static boolean isRestartDue(Command command) {
        return command instanceof Command.Arm arm && arm.event() instanceof PoolEvent.RestartDue;
    }

    private static List<Command.Spawn> spawns(List<Command> commands) {
        return commands.stream().filter(Command.Spawn.class::isInstance).map(Command.Spawn.class::cast).toList();
    }
}
