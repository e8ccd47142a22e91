package io.workerpool.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.workerpool.WorkerStatus;
import io.workerpool.internal.core.SimWorld.SimJvm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Deterministic simulation of the master's decisions (issue 11): the real {@link PoolCore} driven by
 * {@link SimWorld}'s simulated JVMs and clock, from a seed. Random interleavings of spawns that succeed, fail or
 * hang before their hello, exits at any moment, lost heartbeats, duplicate messages, every API and control request
 * and signal (also twice and during a stop); after every step the invariants below are checked. Then the world
 * calms down and the pool must converge to its configuration, then stop by its deadline with every future done.
 *
 * <p>{@code -Dsim.seed=S} replays one run exactly (with {@code -Dsim.steps=N} for its chaos steps), printing its
 * trace; {@code -Dsim.totalSteps=N} sets the budget of a CI run (default 100,000 steps, fresh seeds each run).
 */
class PoolSimulationTest {
    private static final int CHAOS_STEPS = 1500;
    private static final long MS = SimWorld.MS;

    @Test
    void theCoresInvariantsHoldUnderRandomInterleavings() {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                "io.workerpool.Supervisor");
        Level level = log.getLevel();
        log.setLevel(Level.OFF);
        try {
            String replay = System.getProperty("sim.seed");
            if (replay != null) {
                long seed = Long.parseLong(replay);
                int steps = Integer.getInteger("sim.steps", CHAOS_STEPS);
                Run run = new Run(seed, steps, Integer.MAX_VALUE, true);
                run.trace().forEach(System.out::println);
                assertThat(run.violations()).as("seed %d", seed).isEmpty();
                return;
            }
            int campaigns = Integer.getInteger("sim.campaigns", 1);
            for (int c = 0; c < campaigns; c++) {
                campaign(Long.getLong("sim.totalSteps", 100_000), Long.getLong("sim.master", System.nanoTime()));
            }
        } finally {
            log.setLevel(level);
        }
    }

    /** Fresh runs from a master seed until {@code total} steps; the first failure is shrunk and thrown. */
    private static void campaign(long total, long master) {
        SplittableRandom seeds = new SplittableRandom(master);
        long done = 0;
        int runs = 0;
        long began = System.nanoTime();
        long recycles = 0;
        long trainings = 0;
        long reopens = 0;
        while (done < total) {
            long seed = seeds.nextLong();
            Run run = new Run(seed, CHAOS_STEPS, Integer.MAX_VALUE, false);
            done += run.steps;
            runs++;
            recycles += run.world.recycles;
            trainings += run.world.trainingRuns;
            reopens += run.world.reopens;
            if (!run.violations().isEmpty()) {
                throw new AssertionError(shrink(seed, run));
            }
        }
        System.out.printf("pool simulation: %d steps in %d runs (master seed %d) in %d ms; %d recycles, %d AOT"
                + " training runs, %d log reopens%n", done, runs, master, (System.nanoTime() - began) / 1_000_000,
                recycles, trainings, reopens);
    }

    /**
     * The shortest failing run found: the fewest chaos steps, then the fewest injected faults and requests (the
     * same seed, the injections beyond the budget left out), replayed with its trace.
     */
    private static String shrink(long seed, Run failed) {
        int steps = failed.failedAtChaosStep >= 0 ? failed.failedAtChaosStep + 1 : CHAOS_STEPS;
        int budget = failed.injections;
        for (int b = 0; b < budget; b++) {
            if (!new Run(seed, steps, b, false).violations().isEmpty()) {
                budget = b;
                break;
            }
        }
        Run shortest = new Run(seed, steps, budget, true);
        Run shown = shortest.violations().isEmpty() ? new Run(seed, CHAOS_STEPS, Integer.MAX_VALUE, true) : shortest;
        List<String> trace = shown.trace();
        return "pool simulation failed, seed " + seed + " (replay: -Dsim.seed=" + seed + " -Dsim.steps=" + steps
                + "); shortest run: " + steps + " chaos steps, " + budget + " injections\n"
                + String.join("\n", shown.violations()) + "\ntrace:\n"
                + String.join("\n", trace.subList(Math.max(0, trace.size() - 400), trace.size()));
    }

    /** One simulated run: chaos, calm, stop. */
    private static final class Run {
        final SimWorld world;
        final int budget;
        int steps;
        int injections;
        int failedAtChaosStep = -1;

        Run(long seed, int chaosSteps, int budget, boolean tracing) {
            this.world = new SimWorld(seed, tracing);
            this.budget = budget;
            world.start();
            for (int i = 0; i < chaosSteps && !ended(); i++) {
                step(true);
                if (!world.violations.isEmpty()) {
                    failedAtChaosStep = i;
                    return;
                }
            }
            if (!ended()) {
                calmDown();
            }
            if (world.violations.isEmpty() && !ended()) {
                stop();
            }
            if (world.violations.isEmpty()) {
                finish();
            }
        }

        List<String> violations() {
            return world.violations;
        }

        List<String> trace() {
            return world.trace == null ? List.of() : world.trace;
        }

        private boolean ended() {
            return world.core.state() == PoolState.STOPPED;
        }

        private void step(boolean chaos) {
            steps++;
            SplittableRandom r = world.random;
            int dice = r.nextInt(100);
            if (chaos && dice < 8) {
                if (injections++ < budget) {
                    inject(r);
                }
            } else if (world.hasEvents() && dice < 85) {
                deliver(world.takeEvent());
            } else {
                world.advance(world.hasEvents() ? r.nextLong(1, 10) * MS : r.nextLong(1, 400) * MS);
            }
            check();
        }

        private void deliver(PoolEvent event) {
            PoolState before = world.core.state();
            world.reopenExpected = null;
            world.reopenSends = 0;
            int reopensBefore = world.reopens;
            world.deliver(event);
            if (world.reopenExpected != null && Math.max(0, world.reopenExpected) != world.reopenSends) {
                world.violation("logs-reopen said " + world.reopenExpected + " worker(s) reopen, "
                        + world.reopenSends + " were asked");
            }
            if (event instanceof PoolEvent.OperationSignal(String name) && name.equals("USR1")
                    && world.reopens != reopensBefore + 1) {
                world.violation("SIGUSR1 reopened the master's log " + (world.reopens - reopensBefore) + " times");
            }
            if (before != PoolState.STOPPING && world.core.state() == PoolState.STOPPING) {
                world.stopBeganAt = world.now;
                world.interruptStop = event instanceof PoolEvent.StopRequested s && s.interrupt();
                if (world.interruptStop) {
                    // every worker not asked to stop before must be interrupted: its main() sees the interrupt
                    world.jvms.stream().filter(j -> j.alive && j.firstStopRequest == null)
                            .forEach(j -> j.interruptDue = true);
                }
            }
        }

        /** A fault, a request or a signal, as from another thread: onto the loop's queue, or into a JVM. */
        private void inject(SplittableRandom r) {
            List<SimJvm> alive = world.alive();
            SimJvm victim = alive.isEmpty() ? null : alive.get(r.nextInt(alive.size()));
            int id = r.nextInt(5);
            PoolCore a = world.core;
            int what = r.nextInt(20);
            if ((what == 9 || what == 10) && r.nextInt(12) != 0) {
                what = 15; // stops are rarer than the rest, so that runs are long enough for reloads and backoffs
            }
            switch (what) {
                case 0 -> { if (victim != null) victim.exit(r.nextBoolean() ? 1 : 128 + 9); }
                case 1 -> { if (victim != null) { victim.frozen = true; victim.frozenAt = world.now; } }
                case 2 -> { if (victim != null && victim.connected && victim.started) { // a duplicate message
                    world.enqueue(victim.source(), new PoolEvent.WorkerSaid(victim.id, victim.generation,
                            new io.workerpool.internal.wire.Message.Started())); } }
                case 3 -> { if (victim != null && victim.connected) world.enqueue(victim.source(),
                        new PoolEvent.WorkerMisbehaved(victim.id, victim.generation, "misbehaved on purpose")); }
                case 4 -> call("scale", () -> a.scaleTo(1 + r.nextInt(4)));
                case 5 -> call("add " + id, () -> { a.addWorker(id); return null; });
                case 6 -> call("remove " + id, () -> a.removeWorker(id));
                case 7 -> call("restart " + id, () -> a.restartWorker(id));
                case 8 -> call("reload", () -> a.reload("reload requested"));
                case 9 -> world.enqueue("signal", new PoolEvent.StopRequested(r.nextBoolean(), "SIGTERM/SIGINT"));
                case 10 -> {
                    Duration timeout = Duration.ofMillis(100 + r.nextInt(3000));
                    call("stop --timeout", () -> { a.requestPoolStop(false, "stop --timeout", timeout); return null; });
                }
                case 11 -> world.enqueue("signal", new PoolEvent.OperationSignal(
                        List.of("HUP", "TTIN", "TTOU", "USR1").get(r.nextInt(4))));
                case 12 -> { if (victim != null && victim.connected) { // lost channel, the process lingers
                    victim.connected = false;
                    world.enqueue(victim.source(), new PoolEvent.WorkerDisconnected(victim.id, victim.generation,
                            r.nextBoolean() ? null : "bad frame on purpose"));
                    if (r.nextBoolean()) { // the worker notices, as MasterLink does, and exits
                        world.at(r.nextLong(1, 500) * MS, () -> victim.exit(
                                io.workerpool.internal.wire.ExitCodes.MASTER_GONE));
                    } } }
                case 13 -> world.jvms.stream().filter(j -> !j.alive).findAny().ifPresent(j -> // a late duplicate exit
                        world.enqueue("exit", new PoolEvent.WorkerExited(j.id, j.generation, 0)));
                case 16 -> { if (victim != null) { // memory grows: recycling by RSS or PSS, when configured
                    victim.rssBytes += r.nextLong(20, 250) << 20;
                    victim.pssBytes += r.nextLong(20, 250) << 20; } }
                case 17 -> { if (world.config.aotCache() != null) { // a deploy: the AOT cache is stale
                    world.aotTrainingDue = true; } }
                case 18 -> call("logs-reopen", () -> { // as Pool.reopenOutput: the master's log first, then the core
                    world.reopens++;
                    int count = a.reopenOutput("logs-reopen", false);
                    world.reopenExpected = count;
                    return count; });
                case 19 -> world.enqueue("signal", new PoolEvent.OperationSignal("USR1"));
                default -> world.advance(r.nextLong(1, 3000) * MS);
            }
        }

        private void call(String what, Supplier<?> action) {
            world.enqueue("api", new PoolEvent.Call(() -> {
                try {
                    Object result = action.get();
                    world.log(() -> "api " + what + " -> " + result);
                    if (result instanceof CompletableFuture<?> future) {
                        world.futures.add(future);
                    }
                } catch (IllegalStateException | IllegalArgumentException e) {
                    world.log(() -> "api " + what + " refused: " + e.getMessage());
                }
            }, () -> { }));
        }

        /** After every step. */
        private void check() {
            PoolCore a = world.core;
            PoolState state = a.state();
            Map<Integer, Integer> serving = new java.util.HashMap<>();
            for (SimJvm jvm : world.jvms) {
                if (!jvm.alive) {
                    continue;
                }
                if (!a.isWorkerPid(jvm.pid)) {
                    world.violation(jvm + " is alive but the pool has forgotten it");
                }
                if (jvm.id >= 0 && jvm.firstStopRequest == null && serving.merge(jvm.id, 1, Integer::sum) > 2) {
                    world.violation("3 JVMs not asked to stop serve worker " + jvm.id + ": " + world.alive());
                }
            }
            for (Integer id : a.workerIds()) {
                WorkerSlot slot = a.slot(id);
                if (slot.bootErrorsInARow > RestartPolicy.MAX_BOOT_ERRORS_IN_A_ROW
                        || slot.bootErrorsInARow == RestartPolicy.MAX_BOOT_ERRORS_IN_A_ROW && !slot.failed()) {
                    world.violation("worker " + id + " had " + slot.bootErrorsInARow + " boot errors in a row"
                            + (slot.failed() ? "" : " and was not given up on"));
                }
            }
            if (world.stopBeganAt >= 0 && state != PoolState.STOPPED
                    && world.now > world.stopBeganAt + a.stopTimeout().toNanos() + 1_000 * MS) {
                world.violation("still " + state + " " + (world.now - world.stopBeganAt) / MS
                        + " ms after the stop began (stopTimeout " + a.stopTimeout().toMillis() + " ms)");
            }
        }

        /** A replacement is ready-gated: checked when a JVM is asked to stop (see {@link SimWorld}). */
        private void calmDown() {
            world.calm = true;
            world.bootFailureRate = 0;
            // a leak as the calm begins: every worker past the memory limits, which must recycle them all
            world.alive().stream().filter(j -> !j.training && j.id >= 0).forEach(j -> {
                j.rssBytes += 400L << 20;
                j.pssBytes += 400L << 20;
            });
            long until = world.now + 120_000 * MS;
            while (world.now < until && !ended() && world.violations.isEmpty()) {
                step(false);
            }
            while (world.hasEvents() && !ended() && world.violations.isEmpty()) { // what has happened, the loop knows
                deliver(world.takeEvent());
                check();
            }
            if (ended() || !world.violations.isEmpty()) {
                return;
            }
            // converged: every id running (or given up, or being recycled: a replacement in progress), the spares
            // wanted, no JVM more
            int expected = world.config.spares();
            List<String> wrong = new ArrayList<>();
            for (Integer id : world.core.workerIds()) {
                WorkerSlot slot = world.core.slot(id);
                switch (slot.phase()) {
                    case WorkerSlot.Phase.Serving(WorkerJvm jvm) when jvm.state == SlotState.RUNNING -> expected++;
                    case WorkerSlot.Phase.Replacing(WorkerJvm old, WorkerJvm next) when recycling()
                            && old.state != SlotState.STARTING -> expected += next == null ? 1 : 2;
                    case WorkerSlot.Phase.Failed f -> { }
                    default -> wrong.add(slot.toString());
                }
            }
            expected += (int) world.alive().stream().filter(j -> j.training).count();
            for (SimJvm jvm : world.alive()) {
                if (!jvm.training && jvm.id >= 0 && (world.config.maxWorkerRssBytes() > 0
                        && jvm.rssBytes > world.config.maxWorkerRssBytes() || world.config.maxWorkerPssBytes() > 0
                        && jvm.pssBytes > world.config.maxWorkerPssBytes()) && jvm.firstStopRequest == null) {
                    wrong.add(jvm + " is over its memory limit and was not recycled");
                }
            }
            if (world.aotTrainingDue || world.alive().stream().anyMatch(j -> j.training)) {
                wrong.add("the AOT cache's training run did not run (due " + world.aotTrainingDue + ")");
            }
            List<WorkerStatus> status = world.status();
            long spares = status.stream().filter(s -> s.state().equals("SPARE")).count();
            if (!wrong.isEmpty() || spares != world.config.spares() || world.alive().size() != expected) {
                world.violation("not converged after the calm: " + wrong + ", " + status.stream()
                        .map(s -> s.id() + " " + s.state()).toList() + ", " + world.alive().size() + " JVMs alive, "
                        + expected + " expected, " + world.config.spares() + " spare(s) wanted");
            }
        }

        private boolean recycling() {
            return world.config.maxWorkerAge() != null || world.config.maxWorkerRssBytes() > 0
                    || world.config.maxWorkerPssBytes() > 0;
        }

        private void stop() {
            world.enqueue("signal", new PoolEvent.StopRequested(world.random.nextBoolean(), "final stop"));
            while (!ended() && world.violations.isEmpty()) {
                step(false);
            }
        }

        /** The loop has ended: what Pool does then, and what must hold. */
        private void finish() {
            if (!ended()) {
                return;
            }
            world.execute(world.core.abandonPending("the pool stopped"));
            if (!world.alive().isEmpty()) {
                world.violation("the pool stopped with JVMs alive: " + world.alive());
            }
            for (CompletableFuture<?> future : world.futures) {
                if (!future.isDone()) {
                    world.violation("a future never completed: " + future);
                }
            }
            if (world.interruptStop) {
                List<String> notInterrupted = new ArrayList<>();
                for (SimJvm jvm : world.jvms) {
                    if (jvm.started && jvm.stopRequested && jvm.interruptDue && !jvm.interrupted) {
                        notInterrupted.add(jvm + " (first: " + jvm.firstStopRequest + ")");
                    }
                }
                if (!notInterrupted.isEmpty()) {
                    world.violation("an interrupt stop did not interrupt " + notInterrupted);
                }
            }
        }
    }
}
