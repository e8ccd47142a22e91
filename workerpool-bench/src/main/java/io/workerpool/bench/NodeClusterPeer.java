package io.workerpool.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Node.js {@code cluster}: {@code peers/node/cluster.js}, a primary that forks N HTTP workers and forks a
 * new one when one exits; a worker stamps in its listen callback.
 */
final class NodeClusterPeer implements PoolPeer {
    @Override
    public String name() {
        return "Node.js cluster";
    }

    @Override
    public String unavailableReason(BenchContext context) {
        return Executables.find("node").isPresent() ? null : "node is not on the PATH";
    }

    @Override
    public String version(BenchContext context) {
        return "Node.js " + Executables.firstLine(List.of("node", "--version"));
    }

    @Override
    public String readyMeans() {
        return "the worker's server.listen() callback ran";
    }

    @Override
    public Child launch(BenchContext context, int workers, int port, Path stamps, String tag) {
        Path script = context.root().resolve("workerpool-bench/peers/node/cluster.js");
        List<String> command = List.of("node", script.toString(), Integer.toString(workers), Integer.toString(port),
                stamps.toString());
        return Child.start("Node.js cluster " + tag, command, context.runDir(), Map.of(),
                context.runDir().resolve(tag + ".log"));
    }
}
