package io.workerpool.internal.launch;

import java.util.ArrayList;
import java.util.List;

/**
 * The arguments in a java launcher {@code @argfile}, split exactly the way the launcher splits them
 * (libjli {@code args.c}, {@code nextToken}), quirks included, because the worker's command line must mean
 * what the master's meant:
 * <ul>
 *   <li>space, tab, form feed, CR and LF separate arguments;</li>
 *   <li>{@code '...'} and {@code "..."} group, and may be glued to unquoted text ({@code -Dx="a b"c});
 *       a line end closes an open quote;</li>
 *   <li>inside quotes only, a backslash escapes: {@code \n \r \t \f}, any other character stands for itself,
 *       and a backslash at the end of a line continues the argument on the next line, leading blanks skipped;</li>
 *   <li>an unquoted {@code #} starts a comment up to the end of the line, and drops the unquoted text of the
 *       argument it interrupts (the launcher does that too: {@code -Dx=a#b} is no argument at all);</li>
 *   <li>a quoted empty argument ({@code ''}) counts, except as the file's very last thing;</li>
 *   <li>no nesting: an {@code @name} inside the file is a plain argument.</li>
 * </ul>
 */
final class JavaArgFile {
    private enum State { FIND_NEXT, IN_COMMENT, IN_QUOTE, IN_ESCAPE, SKIP_LEAD_WS, IN_TOKEN }

    private JavaArgFile() {
    }

    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        // Finished pieces of the argument in progress (quoted runs, escapes); pieces > 0 even if they are empty.
        StringBuilder parts = new StringBuilder();
        int pieces = 0;
        State state = State.FIND_NEXT;
        char quote = '"';
        int anchor = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (state == State.FIND_NEXT || state == State.SKIP_LEAD_WS) {
                if (isBlank(ch)) {
                    continue;
                }
                state = state == State.FIND_NEXT ? State.IN_TOKEN : State.IN_QUOTE;
                anchor = i;
            } else if (state == State.IN_ESCAPE) {
                if (ch == '\n' || ch == '\r') {
                    state = State.SKIP_LEAD_WS;
                } else {
                    parts.append(unescape(ch));
                    pieces++;
                    state = State.IN_QUOTE;
                }
                anchor = i + 1;
                continue;
            } else if (state == State.IN_COMMENT) {
                if (ch == '\n' || ch == '\r') {
                    anchor = i + 1;
                    state = State.FIND_NEXT;
                }
                continue;
            }
            switch (ch) {
                case ' ', '\t', '\f', '\n', '\r' -> {
                    if (state == State.IN_QUOTE && ch != '\n' && ch != '\r') {
                        continue;
                    }
                    if (pieces == 0) {
                        tokens.add(text.substring(anchor, i));
                    } else {
                        parts.append(text, anchor, i);
                        tokens.add(parts.toString());
                        parts.setLength(0);
                        pieces = 0;
                    }
                    state = State.FIND_NEXT;
                }
                case '#' -> {
                    if (state != State.IN_QUOTE) {
                        state = State.IN_COMMENT;
                        anchor = i + 1;
                    }
                }
                case '\\' -> {
                    if (state == State.IN_QUOTE) {
                        parts.append(text, anchor, i);
                        pieces++;
                        state = State.IN_ESCAPE;
                        anchor = i + 1;
                    }
                }
                case '\'', '"' -> {
                    if (state == State.IN_QUOTE && quote != ch) {
                        continue;
                    }
                    if (anchor != i) {
                        parts.append(text, anchor, i);
                        pieces++;
                    }
                    anchor = i + 1;
                    if (state == State.IN_TOKEN) {
                        quote = ch;
                        state = State.IN_QUOTE;
                    } else {
                        state = State.IN_TOKEN;
                    }
                }
                default -> { }
            }
        }
        if (state == State.IN_TOKEN || state == State.IN_QUOTE) {
            if (anchor < text.length()) {
                parts.append(text, anchor, text.length());
                pieces++;
            }
            if (pieces > 0) {
                tokens.add(parts.toString());
            }
        }
        return tokens;
    }

    private static boolean isBlank(char ch) {
        return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f';
    }

    private static char unescape(char ch) {
        return switch (ch) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'f' -> '\f';
            default -> ch;
        };
    }
}
