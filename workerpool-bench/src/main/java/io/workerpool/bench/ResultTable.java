package io.workerpool.bench;

import java.util.List;
import java.util.Locale;
import java.util.function.DoubleFunction;

/** The markdown results table and the number formats of its cells. */
final class ResultTable {
    static final List<String> HEADER = List.of("metric", "workerpool (min / median / max)", "Node.js cluster",
            "gunicorn", "ratio", "target", "met?");

    private ResultTable() {
    }

    static String markdown(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        line(out, HEADER);
        line(out, HEADER.stream().map(h -> "---").toList());
        for (Row row : rows) {
            line(out, List.of(row.metric(), row.workerpool(), row.node(), row.gunicorn(), row.ratio(), row.target(),
                    row.met()));
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells) {
        out.append('|');
        for (String cell : cells) {
            out.append(' ').append(escape(cell)).append(" |");
        }
        out.append('\n');
    }

    /** A pipe would end the cell, a newline the row. */
    static String escape(String cell) {
        return cell.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /** {@code min / median / max}, or the single value when there was one repetition. */
    static String cell(Summary s, DoubleFunction<String> format) {
        if (s == null) {
            return Row.NONE;
        }
        if (s.count() == 1) {
            return format.apply(s.median());
        }
        return format.apply(s.min()) + " / " + format.apply(s.median()) + " / " + format.apply(s.max());
    }

    /** Milliseconds: 3 significant digits below 100 ms, whole milliseconds above. */
    static String millis(double ms) {
        if (ms >= 100) {
            return String.format(Locale.ROOT, "%.0f", ms);
        }
        if (ms >= 10) {
            return String.format(Locale.ROOT, "%.1f", ms);
        }
        return String.format(Locale.ROOT, "%.2f", ms);
    }

    /** A count or rate with thousands separators: {@code 212,345}. */
    static String count(double n) {
        return String.format(Locale.ROOT, "%,.0f", n);
    }

    static String megabytes(double mb) {
        return String.format(Locale.ROOT, "%.1f", mb);
    }

    static String percent(double p) {
        return String.format(Locale.ROOT, "%.2f%%", p);
    }

    /** A ratio of medians: {@code 1.23×}. */
    static String ratio(double r) {
        return Double.isFinite(r) ? String.format(Locale.ROOT, "%.2f×", r) : Row.NONE;
    }

    static String verdict(boolean met) {
        return met ? "yes" : "**no**";
    }
}
