package io.workerpool.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The records of a master's log file written with {@link MasterLogConfig#PATTERN}, stack trace lines included. */
public final class MasterLog {
    private static final Pattern RECORD = Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}) \\[([^\\]]*)\\] (\\S+)\\s+(\\S+) \\[(.*?)\\] \\{(.*?)\\} - (.*)$");

    /** One logged event: the first line's parts, and the lines after it (a stack trace) until the next record. */
    record Entry(String time, String worker, String level, String logger, String thread, Map<String, String> mdc,
                 String message, List<String> more) {
        @Override
        public String toString() {
            return time + " [" + worker + "] " + level + " " + logger + " [" + thread + "] " + mdc + " - " + message
                    + (more.isEmpty() ? "" : "\n" + String.join("\n", more));
        }
    }

    private MasterLog() {
    }

    static List<Entry> read(Path file) throws IOException {
        List<Entry> entries = new ArrayList<>();
        if (!Files.exists(file)) {
            return entries;
        }
        List<String> more = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = RECORD.matcher(line);
            if (m.matches()) {
                more = new ArrayList<>();
                entries.add(new Entry(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), mdc(m.group(6)),
                        m.group(7), more));
            } else if (more != null) {
                more.add(line);
            } else {
                throw new AssertionError("the master's log starts with a line that is no record: " + line);
            }
        }
        return entries;
    }

    /** {@code %mdc} prints {@code k1=v1, k2=v2}; the values in these tests have no commas. */
    private static Map<String, String> mdc(String text) {
        Map<String, String> mdc = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return mdc;
        }
        for (String pair : text.split(", ")) {
            int eq = pair.indexOf('=');
            mdc.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return mdc;
    }

    static List<Entry> withMessage(List<Entry> entries, String message) {
        return entries.stream().filter(e -> e.message().equals(message)).toList();
    }

    static String dump(List<Entry> entries) {
        StringBuilder text = new StringBuilder();
        for (Entry e : entries) {
            text.append(e).append('\n');
        }
        return text.toString();
    }
}
