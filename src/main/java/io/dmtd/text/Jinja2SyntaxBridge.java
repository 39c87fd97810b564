package io.dmtd.text;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites Jinja2 syntax that Jinjava parses differently, before Jinjava sees the template:
 * <ul>
 *   <li>{@code x[::-1]} (reversed slice; Jinjava has no slice step) becomes {@code x|reverse};</li>
 *   <li>keyword-argument values are parenthesised, {@code namespace(i=messages|length - 1)} becoming
 *       {@code namespace(i=(messages|length - 1))}: Jinjava would otherwise bind {@code i=messages|length}
 *       first and then subtract 1 from the named parameter.</li>
 * </ul>
 * It also implements Jinja2's {@code lstrip_blocks} here, because Jinjava's own version strips the whitespace
 * before every block tag, also in the middle of a line, while Jinja2 only strips it from the start of a line.
 * Only code inside {@code {{ }}} and {@code {% %}} is touched, never string literals, comments, raw blocks or
 * macro signatures.
 */
final class Jinja2SyntaxBridge {

    private static final Pattern REVERSED_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-\\s*1\\s*]");
    private static final Pattern KEYWORD_ARGUMENT = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)");
    private static final Pattern ENDRAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");
    private static final Pattern UNTOUCHED_TAGS = Pattern.compile("^[-+]?\\s*(macro|call|raw)\\b.*", Pattern.DOTALL);

    private Jinja2SyntaxBridge() {
    }

    static String rewrite(String template) {
        StringBuilder out = new StringBuilder(template.length() + 64);
        int i = 0;
        int n = template.length();
        while (i < n) {
            int open = nextTagStart(template, i);
            if (open < 0) {
                out.append(template, i, n);
                break;
            }
            char kind = template.charAt(open + 1);
            boolean plus = open + 2 < n && template.charAt(open + 2) == '+';
            appendText(template, i, open, kind != '{' && !plus, out);
            if (kind == '#') {
                int end = template.indexOf("#}", open + 2);
                end = end < 0 ? n : end + 2;
                out.append(template, open, end);
                i = end;
                continue;
            }
            String close = kind == '{' ? "}}" : "%}";
            int codeEnd = closingDelimiter(template, open + 2, close);
            if (codeEnd < 0) {
                out.append(template, open, n); // unterminated: let Jinjava report it
                break;
            }
            String code = template.substring(open + 2, codeEnd);
            if (kind == '%' && UNTOUCHED_TAGS.matcher(code).matches()) {
                int end = codeEnd + 2;
                if (code.replaceFirst("^[-+]?\\s*", "").startsWith("raw")) {
                    Matcher endRaw = ENDRAW.matcher(template);
                    end = endRaw.find(end) ? endRaw.end() : n;
                }
                out.append(template, open, end);
                i = end;
                continue;
            }
            out.append(template, open, open + 2).append(rewriteCode(code)).append(close);
            i = codeEnd + 2;
        }
        return out.toString();
    }

    /**
     * Copies the text before a tag; before a block tag or comment (unless opened with "+"), drops the spaces and
     * tabs between the start of the line and the tag, as Jinja2's lstrip_blocks does.
     */
    private static void appendText(String template, int from, int to, boolean lstrip, StringBuilder out) {
        if (lstrip) {
            int lineStart = to;
            while (lineStart > from && (template.charAt(lineStart - 1) == ' ' || template.charAt(lineStart - 1) == '\t')) {
                lineStart--;
            }
            // "from" follows a tag (or is 0), so a line start inside [from, to) is a newline in the text itself
            if (lineStart == 0 || template.charAt(lineStart - 1) == '\n') {
                out.append(template, from, lineStart);
                return;
            }
        }
        out.append(template, from, to);
    }

    private static int nextTagStart(String template, int from) {
        for (int i = template.indexOf('{', from); i >= 0 && i + 1 < template.length(); i = template.indexOf('{', i + 1)) {
            char next = template.charAt(i + 1);
            if (next == '{' || next == '%' || next == '#') {
                return i;
            }
        }
        return -1;
    }

    private static int closingDelimiter(String template, int from, String close) {
        char quote = 0;
        for (int i = from; i < template.length(); i++) {
            char c = template.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (template.startsWith(close, i)) {
                return i;
            }
        }
        return -1;
    }

    /** One open bracket; {@code keywordValueOpen} when a "(" was inserted after {@code name=} inside it. */
    private static final class Bracket {
        final char open;
        boolean keywordValueOpen;

        Bracket(char open) {
            this.open = open;
        }
    }

    static String rewriteCode(String code) {
        StringBuilder out = new StringBuilder(code.length() + 16);
        Deque<Bracket> brackets = new ArrayDeque<>();
        int i = 0;
        int n = code.length();
        while (i < n) {
            char c = code.charAt(i);
            if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < n && code.charAt(end) != c) {
                    end += code.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(end + 1, n);
                out.append(code, i, end);
                i = end;
                continue;
            }
            if (c == '[') {
                Matcher reversed = REVERSED_SLICE.matcher(code).region(i, n);
                if (reversed.lookingAt()) {
                    out.append("|reverse");
                    i = reversed.end();
                    continue;
                }
            }
            switch (c) {
                case '(', '[', '{' -> {
                    brackets.push(new Bracket(c));
                    out.append(c);
                    if (c == '(') {
                        i = openKeywordValue(code, i + 1, brackets.peek(), out);
                        continue;
                    }
                }
                case ')', ']', '}' -> {
                    Bracket closed = brackets.poll();
                    if (closed != null && closed.keywordValueOpen) {
                        out.append(')');
                    }
                    out.append(c);
                }
                case ',' -> {
                    Bracket current = brackets.peek();
                    if (current != null && current.keywordValueOpen) {
                        out.append(')');
                        current.keywordValueOpen = false;
                    }
                    out.append(c);
                    if (current != null && current.open == '(') {
                        i = openKeywordValue(code, i + 1, current, out);
                        continue;
                    }
                }
                default -> out.append(c);
            }
            i++;
        }
        return out.toString();
    }

    /** If {@code name=} follows, copies it and opens a parenthesis around the value; returns the next index. */
    private static int openKeywordValue(String code, int from, Bracket bracket, StringBuilder out) {
        Matcher keyword = KEYWORD_ARGUMENT.matcher(code).region(from, code.length());
        if (!keyword.lookingAt()) {
            return from;
        }
        out.append(code, from, keyword.end()).append('(');
        bracket.keywordValueOpen = true;
        return keyword.end();
    }
}
