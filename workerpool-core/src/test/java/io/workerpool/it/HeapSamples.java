package io.workerpool.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The last line of a {@code HeapSampler} file: the maxima over the whole run, in bytes. */
record HeapSamples(int samples, long maxUsed, long maxAfterGc, long collections, long max) {
    private static final Pattern LINE = Pattern.compile(
            "heap used=(\\d+) maxUsed=(\\d+) maxAfterGc=(\\d+) gcs=(\\d+) max=(-?\\d+)");

    static HeapSamples read(Path file) throws IOException {
        List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
        if (lines.isEmpty()) {
            throw new AssertionError("no heap samples in " + file);
        }
        Matcher m = LINE.matcher(lines.getLast());
        if (!m.matches()) {
            throw new AssertionError("not a heap sample: " + lines.getLast());
        }
        return new HeapSamples(lines.size(), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5)));
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    @Override
    public String toString() {
        return "max used " + mib(maxUsed) + ", max after GC " + mib(maxAfterGc) + " (" + collections + " GCs, "
                + samples + " samples, heap limit " + mib(max) + ")";
    }
}
