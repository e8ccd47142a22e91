package io.workerpool.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * What a master's log file holds of the numbered records {@code "flood <worker> <n>"} that
 * {@code LoggingPool}'s flood scenario logs: per worker, which numbers arrived, how many twice, and how many
 * came out of order.
 */
final class FloodCount {
    private static final String MARK = " - flood ";

    private final int workers;
    private final int recordsPerWorker;
    private final BitSet[] seen;
    private final long[] lines;
    private final long[] duplicates;
    private final long[] outOfOrder;
    private final int[] last;
    private final List<String> malformed = new ArrayList<>();

    private FloodCount(int workers, int recordsPerWorker) {
        this.workers = workers;
        this.recordsPerWorker = recordsPerWorker;
        this.seen = new BitSet[workers];
        this.lines = new long[workers];
        this.duplicates = new long[workers];
        this.outOfOrder = new long[workers];
        this.last = new int[workers];
        for (int w = 0; w < workers; w++) {
            seen[w] = new BitSet(recordsPerWorker);
            last[w] = -1;
        }
    }

    static FloodCount of(Path file, int workers, int recordsPerWorker) throws IOException {
        FloodCount count = new FloodCount(workers, recordsPerWorker);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                count.add(line);
            }
        }
        return count;
    }

    private void add(String line) {
        int at = line.lastIndexOf(MARK);
        if (at < 0) {
            return;
        }
        int space = line.indexOf(' ', at + MARK.length());
        try {
            int worker = Integer.parseInt(line, at + MARK.length(), space, 10);
            int n = Integer.parseInt(line, space + 1, line.length(), 10);
            if (worker < 0 || worker >= workers || n < 0 || n >= recordsPerWorker) {
                throw new NumberFormatException("out of range");
            }
            lines[worker]++;
            if (seen[worker].get(n)) {
                duplicates[worker]++;
            }
            seen[worker].set(n);
            if (n != last[worker] + 1) {
                outOfOrder[worker]++;
            }
            last[worker] = n;
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            if (malformed.size() < 10) {
                malformed.add(line);
            }
        }
    }

    long lines(int worker) {
        return lines[worker];
    }

    long totalLines() {
        long total = 0;
        for (long l : lines) {
            total += l;
        }
        return total;
    }

    int distinct(int worker) {
        return seen[worker].cardinality();
    }

    /** The first number that never arrived, or -1. */
    int firstMissing(int worker) {
        int missing = seen[worker].nextClearBit(0);
        return missing >= recordsPerWorker ? -1 : missing;
    }

    long duplicates(int worker) {
        return duplicates[worker];
    }

    long outOfOrder(int worker) {
        return outOfOrder[worker];
    }

    List<String> malformed() {
        return malformed;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < workers; w++) {
            text.append("worker ").append(w).append(": ").append(lines[w]).append(" lines, ").append(distinct(w))
                    .append(" distinct of ").append(recordsPerWorker).append(", first missing ").append(firstMissing(w))
                    .append(", ").append(duplicates[w]).append(" duplicates, ").append(outOfOrder[w])
                    .append(" out of order\n");
        }
        if (!malformed.isEmpty()) {
            text.append("malformed: ").append(malformed).append('\n');
        }
        return text.toString();
    }
}
